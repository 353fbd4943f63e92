package org.tarflow.io;

import java.io.IOException;
import java.nio.file.Path;

/** A tensor or checkpoint file that cannot be read as what it claims to be; the message says what and where. */
public class TensorFileException extends IOException {
    private static final long serialVersionUID = 1L;

    public TensorFileException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public TensorFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
