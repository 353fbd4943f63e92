package org.tarflow.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tarflow <command>}: the command-line entry point. */
@Command(name = "tarflow", mixinStandardHelpOptions = true, version = "tarflow " + Main.VERSION,
        description = "Pure-Java TarFlow: train, sample and evaluate Transformer autoregressive flows on the CPU.",
        subcommands = {TrainCommand.class, SampleCommand.class, EvaluateCommand.class, SweepCommand.class, BenchCommand.class,
            DevicesCommand.class,
            ConformanceCommand.class, GenerateCasesCommand.class, ConvertCommand.class, ToyCommand.class, BoltzmannCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** The project version, as in pom.xml. */
    static final String VERSION = "0.1.0";

    /** Exit code of a usage error (bad or missing arguments), as picocli's default. */
    static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Creates the top-level command, which only dispatches to its subcommands ({@link #run(String...)}). */
    public Main() {
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /**
     * The {@code tarflow} launcher: runs the command line and exits the JVM with its exit code.
     *
     * @param args the command and its options, e.g. {@code sample --weights model.safetensors}
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs a command line and returns its exit code: 0 on success, 1 when the command fails, 2 for a
     * usage error. Failures print one line ({@code tarflow <command>: error: ...}), never a stack trace
     * (set {@code -Dtarflow.debug=true} to see one). Unlike {@link #main}, it does not exit, so tests call it.
     *
     * @param args the command and its options
     * @return the exit code
     */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("tarflow " + cmd.getCommandName() + ": error: " + Errors.describe(e));
            debug(e, cmd);
            return 1;
        });
        cl.setExecutionStrategy(parsed -> {
            Integer help = CommandLine.executeHelpRequest(parsed);
            if (help != null) {
                return help;
            }
            Choices.check(parsed); // a word-valued option's value is checked here, the same way for every command
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setParameterExceptionHandler((e, args1) -> {
            CommandLine cmd = e.getCommandLine();
            String name = cmd.getCommandName();
            cmd.getErr().println("tarflow" + (name.equals("tarflow") ? "" : " " + name) + ": " + e.getMessage()
                    + " (see 'tarflow " + (name.equals("tarflow") ? "" : name + " ") + "--help')");
            return USAGE;
        });
        try {
            return cl.execute(args);
        } catch (Error e) {
            // picocli hands only Exceptions to the handler above; out-of-memory and the like arrive here
            System.err.println("tarflow: error: " + Errors.describe(e));
            debug(e, cl);
            return 1;
        }
    }

    private static void debug(Throwable e, CommandLine cmd) {
        if (Boolean.getBoolean("tarflow.debug")) {
            e.printStackTrace(cmd.getErr());
        }
    }
}
