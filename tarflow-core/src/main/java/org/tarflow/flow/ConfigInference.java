package org.tarflow.flow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Infers a {@link ModelConfig} from the shapes of a reference {@code state_dict}, for checkpoints that
 * carry no configuration (those saved by the reference's {@code torch.save(model.state_dict())}).
 *
 * <p>Read from the tensors: {@code num_blocks} (the {@code blocks.<i>} present), {@code layers_per_block}
 * ({@code blocks.0.attn_blocks.<j>}), T and {@code channels} ({@code pos_embed} is (T, channels)), D
 * ({@code proj_in.weight} is (channels, D)), {@code nvp} ({@code proj_out.weight} has 2D rows when affine,
 * D when volume-preserving) and {@code num_classes} ({@code class_embed} is (classes, 1, channels)).
 * Not determined by them: how D = C·p² splits into channels C and patch size p, which fixes the image size
 * √T·p. That comes from the hints; without hints the split with C = 1 or C = 3 (grey or RGB) is taken,
 * which is always unique. A T that is not a square number makes a sequence model
 * ({@link ModelConfig#sequence}).
 */
public final class ConfigInference {
    private static final Pattern BLOCK = Pattern.compile("blocks\\.(\\d{1,6})\\..*");
    private static final Pattern LAYER = Pattern.compile("blocks\\.0\\.attn_blocks\\.(\\d{1,6})\\..*");

    private ConfigInference() {
    }

    /**
     * What the caller knows about the image shape (the command line's {@code --in-channels},
     * {@code --patch-size}, {@code --img-size}); null fields are unknown.
     *
     * @param inChannels image channels C, or null
     * @param patchSize  patch side p, or null
     * @param imgSize    image side in pixels, or null
     */
    public record Hints(Integer inChannels, Integer patchSize, Integer imgSize) {
        /** Nothing known: the split of D is assumed (C = 1 or 3). */
        public static final Hints NONE = new Hints(null, null, null);

        /** {@return whether any field is given} */
        public boolean any() {
            return inChannels != null || patchSize != null || imgSize != null;
        }
    }

    /**
     * The result of {@link #infer}.
     *
     * @param config     the inferred configuration
     * @param assumption null when the shapes and hints determined everything; otherwise a note for the
     *                   user saying what was assumed (the channel/patch split, or that the model is a
     *                   sequence model)
     */
    public record Inferred(ModelConfig config, String assumption) {
    }

    /**
     * Infers the configuration from the shapes of {@code blocks.*} tensors, as the class comment describes.
     * Only block 0's shapes are read; the loader then checks every tensor against the model it builds.
     *
     * @param shapes tensor shapes by state_dict key
     * @param hints  what is known of the image shape; {@link Hints#NONE} if nothing
     * @return the configuration and what was assumed to get it
     * @throws IllegalArgumentException when the keys are not a TarFlow state_dict, or the hints do not fit
     */
    public static Inferred infer(Map<String, int[]> shapes, Hints hints) {
        TreeSet<Integer> blocks = indices(shapes, BLOCK);
        if (blocks.isEmpty() || blocks.first() != 0 || blocks.last() != blocks.size() - 1) {
            throw new IllegalArgumentException("not a TarFlow state_dict: expected keys blocks.0.* ... blocks.<n-1>.*, found blocks "
                    + blocks);
        }
        int layers = indices(shapes, LAYER).size();
        if (layers == 0) {
            throw new IllegalArgumentException("not a TarFlow state_dict: no blocks.0.attn_blocks.<j>.* keys");
        }
        int[] pos = require(shapes, "blocks.0.pos_embed", 2);
        int[] projIn = require(shapes, "blocks.0.proj_in.weight", 2);
        int[] projOut = require(shapes, "blocks.0.proj_out.weight", 2);
        int t = pos[0];
        int channels = pos[1];
        int d = projIn[1];
        boolean nvp;
        if (projOut[0] == 2 * d) {
            nvp = true;
        } else if (projOut[0] == d) {
            nvp = false;
        } else {
            throw new IllegalArgumentException("blocks.0.proj_out.weight has " + projOut[0] + " rows; expected 2·D = "
                    + 2 * d + " (affine) or D = " + d + " (volume-preserving)");
        }
        int[] classEmbed = shapes.get("blocks.0.class_embed");
        if (classEmbed != null && (classEmbed.length != 3 || classEmbed[1] != 1 || classEmbed[2] != channels)) {
            throw new IllegalArgumentException("not a TarFlow state_dict: blocks.0.class_embed has shape "
                    + Arrays.toString(classEmbed) + ", expected (classes, 1, " + channels + ")");
        }
        int classes = classEmbed == null ? 0 : classEmbed[0];
        int side = (int) Math.round(Math.sqrt(t));
        if (side * side != t) {
            if (hints.any()) {
                throw new IllegalArgumentException("pos_embed has T = " + t + " patches, not a square number, so this is"
                        + " not an image model; remove the image options");
            }
            return new Inferred(ModelConfig.sequence(t, d, channels, blocks.size(), layers, nvp, classes),
                    "T = " + t + " is not a square number: a sequence model of " + t + " tokens of " + d + " values");
        }
        String assumption = null;
        int c;
        int p;
        if (hints.patchSize() != null) {
            p = hints.patchSize();
            if (p <= 0 || d % (p * p) != 0) {
                throw new IllegalArgumentException("patch size " + p + " does not fit the checkpoint's D = " + d
                        + " values per patch (D = channels · p²)");
            }
            c = d / (p * p);
            if (hints.inChannels() != null && hints.inChannels() != c) {
                throw new IllegalArgumentException("in_channels " + hints.inChannels() + " and patch size " + p
                        + " do not fit the checkpoint's D = " + d + " values per patch");
            }
        } else if (hints.inChannels() != null) {
            c = hints.inChannels();
            p = c > 0 && d % c == 0 ? (int) Math.round(Math.sqrt(d / c)) : -1;
            if (p <= 0 || c * p * p != d) {
                throw new IllegalArgumentException("in_channels " + c + " does not fit the checkpoint's D = " + d
                        + " values per patch (D = channels · p²)");
            }
        } else {
            List<int[]> splits = new ArrayList<>();
            for (int cc : new int[] {1, 3}) {
                int pp = d % cc == 0 ? (int) Math.round(Math.sqrt(d / cc)) : -1;
                if (pp > 0 && cc * pp * pp == d) {
                    splits.add(new int[] {cc, pp});
                }
            }
            if (splits.size() != 1) {
                throw new IllegalArgumentException("cannot tell the image channels and patch size from D = " + d
                        + " values per patch: give the number of channels or the patch size");
            }
            c = splits.getFirst()[0];
            p = splits.getFirst()[1];
            assumption = "assumed " + c + " channel" + (c == 1 ? "" : "s") + " and patch size " + p + " (D = " + d
                    + "); give the channels or patch size to override";
        }
        int img = side * p;
        if (hints.imgSize() != null && hints.imgSize() != img) {
            throw new IllegalArgumentException("image size " + hints.imgSize() + " does not fit the checkpoint: its "
                    + t + " patches of size " + p + " make " + img + "×" + img + " images");
        }
        return new Inferred(new ModelConfig(c, img, p, channels, blocks.size(), layers, nvp, classes), assumption);
    }

    private static TreeSet<Integer> indices(Map<String, int[]> shapes, Pattern pattern) {
        TreeSet<Integer> found = new TreeSet<>();
        for (String key : shapes.keySet()) {
            Matcher m = pattern.matcher(key);
            if (m.matches()) {
                found.add(Integer.parseInt(m.group(1)));
            }
        }
        return found;
    }

    private static int[] require(Map<String, int[]> shapes, String key, int rank) {
        int[] s = shapes.get(key);
        if (s == null || s.length != rank) {
            throw new IllegalArgumentException("not a TarFlow state_dict: " + (s == null ? "no " + key
                    : key + " has shape " + Arrays.toString(s)));
        }
        return s;
    }
}
