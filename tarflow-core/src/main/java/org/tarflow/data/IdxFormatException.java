package org.tarflow.data;

import java.nio.file.Path;
import org.tarflow.io.TensorFileException;

/** An IDX file that is not what it should be (bad magic, counts that disagree with the size, ...). */
public final class IdxFormatException extends TensorFileException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with the message {@code "<file>: <problem>"}.
     *
     * @param file    the IDX file
     * @param problem what is wrong, e.g. {@code has 2 dimensions, expected 3}
     */
    public IdxFormatException(Path file, String problem) {
        super(file, problem);
    }
}
