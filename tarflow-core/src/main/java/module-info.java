/**
 * TarFlow as a library: dense tensors and their kernels (a scalar twin and Vector API SIMD kernels behind
 * one backend seam), the Transformer layers with explicit forward/backward pairs, the flow itself, training,
 * data sets, evaluation, the safetensors and PyTorch {@code .pth} formats, and conformance cases against the
 * original PyTorch code.
 *
 * <p>Packages, each importing only those before it: {@link org.tarflow.tensor} (tensors, kernels, backends,
 * workspaces), {@link org.tarflow.nn} (layers), {@link org.tarflow.flow} (the TarFlow model),
 * {@link org.tarflow.io} (file formats), {@link org.tarflow.data} (data sets, random streams, noise),
 * {@link org.tarflow.train} (optimiser, schedule, trainer, checkpoints), {@link org.tarflow.eval} (bits/dim
 * and sample-quality measures), {@link org.tarflow.conformance} (golden cases).
 */
module org.tarflow.core {
    requires jdk.incubator.vector;
    // javax.imageio and java.awt.image: PNG sample grids (io.ImageGrid)
    requires java.desktop;
    // tensor.Backends asks HotSpot whether C2 is on
    requires java.management;
    requires jdk.management;
    requires com.google.gson;
    // automatic module (its jar declares no name): io.TorchUnpickler
    requires pickle;
    // quietens Tribuo's training log (eval.PixelClassifier)
    requires java.logging;
    requires org.tribuo.core;
    requires org.tribuo.classification.core;
    requires org.tribuo.classification.sgd;
    requires org.tribuo.math;

    exports org.tarflow.tensor;
    exports org.tarflow.nn;
    exports org.tarflow.flow;
    exports org.tarflow.io;
    exports org.tarflow.data;
    exports org.tarflow.train;
    exports org.tarflow.eval;
    exports org.tarflow.conformance;
}
