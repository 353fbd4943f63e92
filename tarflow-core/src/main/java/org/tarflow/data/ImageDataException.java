package org.tarflow.data;

import java.nio.file.Path;
import org.tarflow.io.TensorFileException;

/**
 * Image data that cannot be used as they are: an image folder without classes or images, an image that
 * cannot be decoded or differs in size from the others, a CIFAR-10 file of the wrong length.
 */
public final class ImageDataException extends TensorFileException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with the message {@code "<file>: <problem>"}.
     *
     * @param file    the file or folder that is wrong
     * @param problem what is wrong
     */
    public ImageDataException(Path file, String problem) {
        super(file, problem);
    }
}
