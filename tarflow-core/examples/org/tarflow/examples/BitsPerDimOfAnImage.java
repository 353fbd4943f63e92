package org.tarflow.examples;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.tarflow.data.NoiseAugmentation;
import org.tarflow.eval.BitsPerDim;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.io.ModelFiles;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * Bits per dimension of one 8-bit image under a model, as the reference's {@code evaluate_bpd.py}
 * computes them: scale to [-1, 1], add uniform dequantisation noise, run the flow, and convert the
 * log-likelihood of the continuous density into bits per sub-pixel of the 256-level data.
 *
 * <pre>java ... org.tarflow.examples.BitsPerDimOfAnImage model.safetensors image.png [label]</pre>
 */
public final class BitsPerDimOfAnImage {
    private BitsPerDimOfAnImage() {
    }

    public static void main(String[] args) throws Exception {
        TarFlowModel model = ModelFiles.load(Path.of(args[0]), DType.F64, Backends.get("auto"));
        BufferedImage png = ImageIO.read(Path.of(args[1]).toFile());
        int c = model.config().inChannels();
        int s = model.config().imgSize();
        if (png == null || png.getWidth() != s || png.getHeight() != s || (c != 1 && c != 3)) {
            throw new IllegalArgumentException("need a " + s + "x" + s + " PNG for this " + c + "-channel model");
        }
        Tensor x = Tensor.zeros(DType.F64, 1, c, s, s);
        for (int y = 0; y < s; y++) {
            for (int xx = 0; xx < s; xx++) {
                int rgb = png.getRGB(xx, y);
                int[] channels = {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
                for (int ch = 0; ch < c; ch++) {
                    int v = c == 1 ? (channels[0] + channels[1] + channels[2]) / 3 : channels[ch];
                    x.set((ch * s + y) * s + xx, (v / 255.0 - 0.5) / 0.5); // as ToTensor + Normalize(0.5, 0.5)
                }
            }
        }
        NoiseAugmentation.uniform().apply(x, new SplittableRandom(0)); // dequantisation: v + U[0, 1) in 8-bit units
        int[] label = model.config().conditional() && args.length > 2 ? new int[] {Integer.parseInt(args[2])} : null;
        double bpd = BitsPerDim.perSample(model.forward(x, label)).get(0);
        System.out.printf("%s: %.4f bits/dim%n", args[1], bpd);
    }
}
