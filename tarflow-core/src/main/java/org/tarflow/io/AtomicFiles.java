package org.tarflow.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file so that readers see either the old complete file or the new complete file, never a
 * partial one: the content goes to a temporary file in the same directory, is flushed to disk, and is
 * renamed over the target. A failed write removes the temporary file and leaves the target untouched.
 */
public final class AtomicFiles {

    /** Writes the content of a file to a stream. */
    @FunctionalInterface
    public interface Writer {
        /**
         * Writes the whole content; the stream is buffered, and flushed and closed by the caller.
         *
         * @param out the stream into the temporary file
         * @throws IOException if the content cannot be produced or written; the target is then untouched
         */
        void write(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.NoSuchFileException n) {
            // a directory that exists but cannot hold files (e.g. /proc) also reports "no such file"
            Path p = n.getFile() == null ? null : Path.of(n.getFile()).getParent();
            return p != null && Files.isDirectory(p) ? "files cannot be created in " + p : "no such directory";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static void setReadable(Path tmp, Path target) throws IOException {
        if (!tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        java.util.Set<java.nio.file.attribute.PosixFilePermission> perms = Files.exists(target)
                ? Files.getPosixFilePermissions(target)
                : java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(tmp, perms);
    }

    /**
     * Writes {@code target} atomically: into a temporary {@code .<name>.<random>.tmp} beside it (creating
     * missing directories), forced to disk, given the target's permissions (or rw-r--r-- for a new
     * file), then renamed over the target (an atomic move where the file system has one).
     *
     * @param target the file to create or replace
     * @param writer produces the content
     * @throws IOException naming {@code target} (not the temporary file) when it cannot be written,
     *         including when it is a directory or not a file name
     */
    public static void write(Path target, Writer writer) throws IOException {
        Path abs = target.toAbsolutePath();
        if (target.getFileName() == null || target.toString().isBlank()) {
            throw new IOException("'" + target + "' is not a file name");
        }
        if (Files.isDirectory(abs)) {
            throw new IOException(target + ": is a directory");
        }
        Path dir = abs.getParent();
        Path tmp;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        } catch (IOException e) {
            throw new IOException("cannot write " + target + ": " + reason(e), e);
        }
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 OutputStream out = new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16)) {
                writer.write(out);
                out.flush();
                ch.force(true);
            }
            // temporary files are created private (rw-------); give the result ordinary permissions
            setReadable(tmp, target);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new IOException("cannot write " + target + ": " + reason(e), e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Deletes the temporary files that {@link #write} calls on {@code target} left behind when their process
     * was killed mid-write. Only call it when no other process is writing {@code target}.
     *
     * @param target a file written with {@link #write}; its own temporaries are those named
     *               {@code .<name>.*.tmp} in its directory
     * @return how many were removed
     * @throws IOException if the directory cannot be listed or a file cannot be deleted
     */
    public static int removeStale(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return 0;
        }
        // write() names them "." + name + "." + digits + ".tmp" (Files.createTempFile), and nothing else
        java.util.regex.Pattern temp = java.util.regex.Pattern.compile(
                java.util.regex.Pattern.quote("." + target.getFileName() + ".") + "\\d+\\.tmp");
        int removed = 0;
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                if (temp.matcher(n).matches() && Files.isRegularFile(p)) {
                    Files.deleteIfExists(p);
                    removed++;
                }
            }
        }
        return removed;
    }
}
