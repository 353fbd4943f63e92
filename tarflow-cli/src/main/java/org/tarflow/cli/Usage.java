package org.tarflow.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Usage errors a command finds after parsing (options that conflict, or that do not apply to the data or the model):
 * thrown as picocli's {@link CommandLine.ParameterException}, they get the handler of {@link Main#run} and so the
 * same one line and exit code {@link Main#USAGE} as an unknown option.
 */
final class Usage {
    private Usage() {
    }

    /** {@return the usage error {@code message} of the command {@code spec}} */
    static CommandLine.ParameterException error(CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /**
     * Refuses the first of {@code options} that the command line gives, as "{@code <option> <why>}".
     *
     * @throws CommandLine.ParameterException if one of them is given
     */
    static void refuse(CommandSpec spec, String why, String... options) {
        CommandLine.ParseResult given = spec.commandLine().getParseResult();
        for (String o : options) {
            if (given.hasMatchedOption(o)) {
                throw error(spec, o + " " + why);
            }
        }
    }
}
