package org.tarflow.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Turns an exception into the one-line message the command line prints. */
final class Errors {
    private Errors() {
    }

    static String describe(Throwable e) {
        if (e instanceof NoSuchFileException n) {
            return n.getFile() + ": no such file or directory";
        }
        if (e instanceof AccessDeniedException a) {
            return a.getFile() + ": permission denied";
        }
        if (e instanceof FileAlreadyExistsException f) {
            return f.getFile() + ": exists and is not a directory";
        }
        if (e instanceof NotDirectoryException n) {
            return n.getFile() + ": not a directory";
        }
        if (e instanceof FileSystemException f && f.getFile() != null) {
            return f.getFile() + ": " + (f.getReason() != null ? f.getReason() : "cannot be accessed");
        }
        if (e instanceof OutOfMemoryError) {
            return "out of memory (" + e.getMessage() + "): use a smaller --batch-size / --num / model, "
                    + "or give the JVM more heap, e.g. JAVA_OPTS=-Xmx20g";
        }
        if (e instanceof StackOverflowError) {
            return "stack overflow";
        }
        String msg = e.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = e.getClass().getSimpleName();
        } else if (!(e instanceof IOException || e instanceof IllegalArgumentException || e instanceof IllegalStateException)) {
            msg = e.getClass().getSimpleName() + ": " + msg;
        }
        return clean(msg);
    }

    /** One line of printable text. */
    static String clean(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(c == '\n' || c == '\t' ? ' ' : Character.isISOControl(c) ? '?' : c));
        return b.toString();
    }
}
