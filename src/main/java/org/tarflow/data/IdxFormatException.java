package org.tarflow.data;

import java.nio.file.Path;
import org.tarflow.io.TensorFileException;

/** An IDX file that is not what it should be (bad magic, counts that disagree with the size, ...). */
public final class IdxFormatException extends TensorFileException {
    private static final long serialVersionUID = 1L;

    public IdxFormatException(Path file, String problem) {
        super(file, problem);
    }
}
