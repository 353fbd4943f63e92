package org.tarflow.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.tarflow.io.ModelFiles;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Backends;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tarflow convert IN OUT.safetensors}: writes a model's state_dict as safetensors in a chosen
 * dtype, with its configuration in the metadata. IN may be a PyTorch {@code .pth} or any weights or
 * checkpoint file this project reads; the output has PyTorch's key names, so
 * {@code model.load_state_dict(safetensors.torch.load_file(OUT))} loads it into the reference model.
 */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write a model (a .pth state_dict, weights or checkpoint) as safetensors in F64, F32, F16 or BF16, "
                + "under PyTorch's state_dict keys, with the model configuration as metadata.")
final class ConvertCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IN", description = "A .pth state_dict, or a weights or checkpoint file.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "The .safetensors file to write.")
    Path out;

    @Option(names = "--dtype", completionCandidates = Choices.FileType.class, defaultValue = "F32", description = "F64, F32, F16 or BF16. Default: ${DEFAULT-VALUE}")
    String dtype;

    @Option(names = "--overwrite", description = "Replace OUT if it exists.")
    boolean overwrite;

    @CommandLine.Mixin
    ModelFileOptions modelFile = new ModelFileOptions();

    @Override
    public Integer call() throws IOException {
        String fileDType = dtype.toUpperCase(Locale.ROOT);
        if (!out.getFileName().toString().endsWith(".safetensors")) {
            throw new IllegalArgumentException("OUT must name a .safetensors file, got " + out);
        }
        if (Files.exists(out) && !overwrite) {
            throw new IllegalArgumentException(out + " exists; pass --overwrite to replace it");
        }
        // float64 holds every value of every input dtype exactly; rounding happens once, when writing. Nothing is
        // computed, so the kernels are the plain ones, which need no Vector API module.
        ModelFiles.Loaded loaded = modelFile.load(in, DType.F64, Backends.get("scalar"));
        ModelFiles.save(loaded.model(), out, loaded.metadata().get(ModelFiles.TRAINING_NOISE), fileDType,
                ModelFiles.classNames(in, loaded.metadata(), loaded.model().config().numClasses()),
                ModelFiles.dataImgSize(in, loaded.metadata()));
        System.out.println("wrote " + out + " (" + fileDType + ", " + TrainCommand.describe(loaded.model().config()) + ")");
        return 0;
    }
}
