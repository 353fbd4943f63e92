package org.tarflow.cli;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.tarflow.boltzmann.ParticleAugmentation;
import org.tarflow.data.NoiseAugmentation;
import org.tarflow.data.ToyDensity;
import org.tarflow.eval.Dequantization;
import org.tarflow.flow.Decoding;
import org.tarflow.flow.GuidanceRule;
import org.tarflow.io.StoredTensor;
import org.tarflow.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The values a word-valued option takes (an option's {@code completionCandidates}, so picocli's help and shell
 * completion know them too). {@link #check} refuses any other value of any such option, of every command, as a
 * usage error that lists the values, in the wording picocli uses for enum options: one mechanism for all of them,
 * before a command runs, so that a mistyped {@code --noise gausian} is exit code {@link Main#USAGE} like a mistyped
 * option name. The subclasses name the values once, from the enums of the library where there is one.
 */
abstract class Choices implements Iterable<String> {
    private final List<String> values;
    private final boolean ignoreCase;

    private Choices(boolean ignoreCase, List<String> values) {
        this.values = values;
        this.ignoreCase = ignoreCase;
    }

    /** Values as listed, matched exactly. */
    Choices(String... values) {
        this(false, List.of(values));
    }

    /** An enum's constants in lower case, {@code _} written {@code -} ({@code GS_JACOBI} is {@code gs-jacobi}). */
    Choices(boolean ignoreCase, Enum<?>[] constants) {
        this(ignoreCase, Arrays.stream(constants).map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList());
    }

    @Override
    public Iterator<String> iterator() {
        return values.iterator();
    }

    private boolean accepts(String value) {
        return values.stream().anyMatch(v -> ignoreCase ? v.equalsIgnoreCase(value) : v.equals(value));
    }

    /**
     * Checks the value of every option given on the command line that has {@code Choices} as its candidates, in the
     * command and its subcommands.
     *
     * @param parsed the parsed command line
     * @throws CommandLine.ParameterException for the first value that is not one of its option's choices:
     *                                        "Invalid value for option '--noise': expected one of [gaussian, uniform,
     *                                        none] but was 'gausian'"
     */
    static void check(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult r = parsed; r != null; r = r.subcommand()) {
            for (OptionSpec o : r.matchedOptions()) {
                if (o.completionCandidates() instanceof Choices c) {
                    for (String v : o.stringValues()) {
                        if (!c.accepts(v)) {
                            throw new CommandLine.ParameterException(r.commandSpec().commandLine(), "Invalid value for option '"
                                    + o.longestName() + "': expected one of " + c.values + " but was '" + v + "'");
                        }
                    }
                }
            }
        }
    }

    /** {@code --backend}: the names {@code tensor.Backends.choose} takes. */
    static final class Backend extends Choices {
        Backend() {
            super("simd", "scalar", "opencl", "auto");
        }
    }

    /** {@code --dtype} of the commands that compute. */
    static final class ComputeType extends Choices {
        ComputeType() {
            super("float32", "float64");
        }
    }

    /** {@code convert --dtype}: the float types of a safetensors file, in any case. */
    static final class FileType extends Choices {
        FileType() {
            super(true, StoredTensor.FLOAT_TYPES);
        }
    }

    /** {@code train --noise}. */
    static final class Noise extends Choices {
        Noise() {
            super(false, NoiseAugmentation.Type.values());
        }
    }

    /** {@code train --on-nonfinite}. */
    static final class OnNonFinite extends Choices {
        OnNonFinite() {
            super(false, Trainer.NonFinitePolicy.values());
        }
    }

    /** {@code --guidance-rule}. */
    static final class Rule extends Choices {
        Rule() {
            super(false, GuidanceRule.values());
        }
    }

    /** {@code sample --guide}: what guidance acts on. */
    static final class Guide extends Choices {
        Guide() {
            super("a", "b", "ab");
        }
    }

    /** {@code sample --method}. */
    static final class Method extends Choices {
        Method() {
            super(false, Decoding.Method.values());
        }
    }

    /** {@code --schedule} of the sweep. */
    static final class Schedule extends Choices {
        Schedule() {
            super("constant", "annealed", "both");
        }
    }

    /** {@code evaluate --dequant}. */
    static final class Dequant extends Choices {
        Dequant() {
            super(false, Dequantization.values());
        }
    }

    /** {@code evaluate --split}. */
    static final class Split extends Choices {
        Split() {
            super("t10k", "train");
        }
    }

    /** {@code toy --target}, in any case. */
    static final class ToyTarget extends Choices {
        ToyTarget() {
            super(true, ToyDensity.values());
        }
    }

    /** {@code boltzmann --rotations}. */
    static final class Rotations extends Choices {
        Rotations() {
            super(false, ParticleAugmentation.Rotations.values());
        }
    }

    /** {@code bench --config}. */
    static final class BenchConfig extends Choices {
        BenchConfig() {
            super("mnist", "cifar");
        }
    }
}
