package org.tarflow.io;

import java.io.IOException;
import java.nio.file.Path;

/** A tensor or checkpoint file that cannot be read as what it claims to be; the message says what and where. */
public class TensorFileException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with the message {@code "<file>: <problem>"}.
     *
     * @param file    the file that is wrong
     * @param problem what is wrong and where, e.g. {@code tensor 'var': bad dimension -1}
     */
    public TensorFileException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /**
     * Creates the exception with the message {@code "<file>: <problem>"} and the underlying error.
     *
     * @param file    the file that is wrong
     * @param problem what is wrong and where
     * @param cause   the error that revealed it
     */
    public TensorFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
