package org.tarflow.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/** Turns an exception into the one-line message the command line prints. */
final class Errors {
    private Errors() {
    }

    static String describe(Throwable e) {
        if (e instanceof NoSuchFileException n) {
            return n.getFile() + ": no such file";
        }
        if (e instanceof AccessDeniedException a) {
            return a.getFile() + ": permission denied";
        }
        if (e instanceof OutOfMemoryError) {
            return "out of memory: use a smaller --batch-size or give the JVM more heap (JAVA_OPTS=-Xmx...)";
        }
        String msg = e.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = e.getClass().getSimpleName();
        } else if (!(e instanceof IOException || e instanceof IllegalArgumentException || e instanceof IllegalStateException)) {
            msg = e.getClass().getSimpleName() + ": " + msg;
        }
        return msg.replace('\n', ' ');
    }
}
