package org.tarflow.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tarflow <command>}: the command-line entry point. */
@Command(name = "tarflow", mixinStandardHelpOptions = true, version = "tarflow 0.1.0",
        description = "Pure-Java TarFlow: train, sample and evaluate Transformer autoregressive flows on the CPU.",
        subcommands = {TrainCommand.class, SampleCommand.class, EvaluateCommand.class, BenchCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code; errors print one line, not a stack trace. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("tarflow " + cmd.getCommandName() + ": error: " + Errors.describe(e));
            if (Boolean.getBoolean("tarflow.debug")) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cl.execute(args);
    }
}
