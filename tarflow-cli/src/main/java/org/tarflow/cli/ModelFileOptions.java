package org.tarflow.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.tarflow.flow.ConfigInference;
import org.tarflow.io.ModelFiles;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import picocli.CommandLine.Option;

/**
 * The image shape of a model file that does not record its configuration (a PyTorch {@code .pth}
 * state_dict): a picocli mixin for the commands that load models.
 */
final class ModelFileOptions {
    @Option(names = "--in-channels", description = "Image channels, for a .pth without configuration. "
            + "Default: inferred (1 or 3).")
    Integer inChannels;

    @Option(names = "--patch-size", description = "Patch size, for a .pth without configuration. Default: inferred.")
    Integer patchSize;

    @Option(names = "--img-size", paramLabel = "N",
            description = "The model's image size: for a .pth without configuration (default: inferred), else checked"
                    + " against the model's. evaluate and sweep resize and center-crop the data to it; without it, as the"
                    + " model was trained (train --img-size, recorded in the model file), else not at all.")
    Integer imgSize;

    /** Loads the model, printing to stderr any assumption made to infer its configuration. */
    ModelFiles.Loaded load(Path file, DType dtype, Kernels k) throws IOException {
        ModelFiles.Loaded loaded = ModelFiles.loadWithMetadata(file, dtype, k,
                new ConfigInference.Hints(inChannels, patchSize, imgSize));
        if (loaded.assumption() != null) {
            System.err.println("note: " + file + " records no configuration; inferred " + TrainCommand.describe(loaded.model().config())
                    + " (" + loaded.assumption() + ")");
        }
        return loaded;
    }
}
