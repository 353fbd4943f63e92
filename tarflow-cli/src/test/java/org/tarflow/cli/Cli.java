package org.tarflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the command line in-process and captures what it prints. */
final class Cli {
    private Cli() {
    }

    record Run(int code, String out, String err) {
    }

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /**
     * Exit code 1 and exactly one line on stderr, an error containing {@code expected}, besides the JVM's WARNING
     * lines and the {@code backend: } line with which a compute command starts.
     */
    static void assertOneLineError(Run r, String expected) {
        assertEquals(1, r.code(), r.out() + r.err());
        String err = r.err().lines().filter(l -> !l.startsWith("WARNING") && !l.startsWith("backend: "))
                .reduce("", (a, b) -> a + b + "\n");
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.contains("error: ") && err.contains(expected), err);
    }

    /**
     * Exit code {@link Main#USAGE} and exactly one line on stderr (besides the JVM's WARNING lines, the
     * {@code backend: } line and a {@code note: } on how a .pth was read), the usage error containing {@code expected}
     * with the pointer to the command's help.
     */
    static void assertUsageError(Run r, String expected) {
        assertEquals(Main.USAGE, r.code(), r.out() + r.err());
        String err = r.err().lines().filter(l -> !l.startsWith("WARNING") && !l.startsWith("backend: ")
                        && !l.startsWith("note: "))
                .reduce("", (a, b) -> a + b + "\n");
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.contains(expected) && err.contains("--help')"), err);
    }

    /** {@code head} followed by {@code common}: a command with shared options. */
    static String[] concat(String[] common, String... head) {
        String[] all = java.util.Arrays.copyOf(head, head.length + common.length);
        System.arraycopy(common, 0, all, head.length, common.length);
        return all;
    }
}
