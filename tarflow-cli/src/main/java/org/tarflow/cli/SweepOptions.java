package org.tarflow.cli;

import java.util.List;
import org.tarflow.eval.GuidanceSweep;
import org.tarflow.flow.GuidanceRule;
import org.tarflow.flow.ModelConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options of the guidance and denoising sweep and its judges, shared by {@code sweep} and {@code evaluate --report}. */
final class SweepOptions {
    @Option(names = "--weights", split = ",", defaultValue = "0,0.5,1,2,3,4",
            description = "Guidance weights to sweep (comma-separated). Refused, as are --schedule and --guidance-rule, for an"
                    + " unconditional model, whose sweep is its unguided samples with and without denoising. Default: ${DEFAULT-VALUE}")
    double[] weights;

    @Option(names = "--schedule", completionCandidates = Choices.Schedule.class, defaultValue = "both",
            description = "Guidance over the sampling steps: constant, annealed or both. Default: ${DEFAULT-VALUE}")
    String schedule;

    @Option(names = "--guidance-rule", completionCandidates = Choices.Rule.class, defaultValue = "reference",
            description = "How guidance combines the two branches: reference or starflow (see 'tarflow sample --help')."
                    + " Default: ${DEFAULT-VALUE}")
    String guidanceRule;

    @Option(names = "--samples", defaultValue = "500",
            description = "Samples per sweep setting (class-balanced). Default: ${DEFAULT-VALUE}")
    int samples;

    @Option(names = "--denoise", defaultValue = "auto",
            description = "σ of the denoising step: auto (the Gaussian training noise recorded in the model file), "
                    + "0 (no denoised rows) or a number. Default: ${DEFAULT-VALUE}")
    String denoise;

    @Option(names = "--classifier-images", defaultValue = "60000",
            description = "Real training images the judge classifier (Tribuo logistic regression) learns from. Default: ${DEFAULT-VALUE}")
    int classifierImages;

    @Option(names = "--classifier-epochs", defaultValue = "3",
            description = "Training epochs of the judge classifier. Default: ${DEFAULT-VALUE}")
    int classifierEpochs;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    /**
     * Refuses the guidance options on a model without classes: its sweep is the unguided samples, with and without
     * denoising, since guidance at attention temperature 1 (the sweep's) changes nothing there.
     *
     * @param model the configuration of the model to sweep
     * @throws CommandLine.ParameterException naming the first guidance option given for an unconditional model
     */
    void refuseGuidanceFor(ModelConfig model) {
        if (!model.conditional()) {
            Usage.refuse(spec, "sets the guidance of the sweep, and this model is unconditional (it has no classes): its"
                    + " sweep is the unguided samples, with and without denoising", "--weights", "--schedule", "--guidance-rule");
        }
    }

    /** The sweep's settings. @throws IllegalArgumentException on bad values */
    List<GuidanceSweep.Setting> settings() {
        Ranges.atLeast("--samples", samples, 2);
        Ranges.atLeast("--classifier-images", classifierImages, 1);
        Ranges.atLeast("--classifier-epochs", classifierEpochs, 1);
        GuidanceRule rule = GuidanceRule.parse(guidanceRule);
        return switch (schedule) {
            case "both" -> GuidanceSweep.settings(weights, true, true, rule);
            case "constant" -> GuidanceSweep.settings(weights, true, false, rule);
            case "annealed" -> GuidanceSweep.settings(weights, false, true, rule);
            default -> throw new IllegalArgumentException("--schedule must be constant, annealed or both, got " + schedule);
        };
    }
}
