package org.tarflow.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.tarflow.data.FashionMnist;
import org.tarflow.data.ImageData;
import org.tarflow.data.ImageDataset;
import org.tarflow.eval.GuidanceSweep;
import org.tarflow.eval.Indices;
import org.tarflow.eval.Moments;
import org.tarflow.eval.PatchFeatures;
import org.tarflow.eval.PixelClassifier;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.io.ModelFiles;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;

/**
 * What the evaluation commands share: the model with its training noise, the data (train and test
 * splits), the class names, and the judges of sample quality (the Tribuo classifier trained on real images
 * and the real test images' feature moments).
 */
final class EvaluationSetup {
    /** Patch side of the Fréchet feature map (the model's patch size for the default model). */
    static final int FEATURE_PATCH = 4;

    final ModelFiles.Loaded loaded;
    final TarFlowModel model;
    /** The training split, or null when it was not asked for. */
    final ImageDataset train;
    /** The test split, or the training images when the data have none (as {@link #testName} says). */
    final ImageDataset test;
    /** What {@link #test} is called in messages: the split's own name ({@code t10k}, {@code val}, ...), else "training (no test split)". */
    final String testName;
    final List<String> classNames;
    final PatchFeatures features = new PatchFeatures(FEATURE_PATCH);
    private final PrintStream log;

    private EvaluationSetup(ModelFiles.Loaded loaded, ImageDataset train, ImageDataset test, String testName,
                            List<String> classNames, PrintStream log) {
        this.loaded = loaded;
        this.model = loaded.model();
        this.train = train;
        this.test = test;
        this.testName = testName != null ? testName : "training (no test split)";
        this.classNames = classNames;
        this.log = log;
    }

    /**
     * Loads the model in {@code dtype}, computing with {@code kernels}, and the test split of {@code data}, and the
     * training split if {@code withTrain} (else {@link #train} is null).
     *
     * @throws IllegalArgumentException when the images do not fit the model or their classes are not the model's
     */
    static EvaluationSetup load(Path modelFile, ModelFileOptions options, DType dtype, Kernels kernels, Path data,
                                boolean withTrain, PrintStream log) throws IOException {
        ModelFiles.Loaded loaded = options.load(modelFile, dtype, kernels);
        if (!loaded.model().config().isImage()) {
            throw new IllegalArgumentException("the model is a sequence model: this evaluation is for image models");
        }
        Path dir = data.toString().equals(TrainCommand.DEFAULT_DATA) ? FashionMnist.ensure(data, log) : data;
        // the data are read as training read them: resized to the size train's --img-size recorded, if any
        Integer trained = ModelFiles.dataImgSize(modelFile, loaded.metadata());
        Integer size = options.imgSize != null ? options.imgSize : trained;
        if (options.imgSize == null && trained != null) {
            log.printf(Locale.ROOT, "resizing and center-cropping the images to %dx%d, as in training (%s in %s)%n", trained,
                    trained, ModelFiles.DATA_IMG_SIZE, modelFile);
        }
        ImageData.Splits splits = ImageData.read(dir, size);
        if (splits.test() == null) {
            log.println("note: " + dir + " has no test split (no train/ and val/ sub-folders): the evaluation scores "
                    + "its training images");
        }
        ImageDataset test = splits.test() != null ? splits.test() : splits.train();
        ImageDataset train = withTrain ? splits.train() : null;
        var c = loaded.model().config();
        if (test.channels() != c.inChannels() || test.height() != c.imgSize() || test.width() != c.imgSize()) {
            // resizing mends the size only: the channels are the data's (a grey folder gives 1, any other 3)
            throw new IllegalArgumentException("the data are " + test.channels() + "x" + test.height() + "x" + test.width()
                    + " images but the model expects " + c.inChannels() + "x" + c.imgSize() + "x" + c.imgSize()
                    + (test.channels() != c.inChannels() ? ": data of another kind than the model's training data"
                    : size == null ? " (--img-size " + c.imgSize() + " resizes and center-crops them to the model's size)" : ""));
        }
        int k;
        List<String> dataNames;
        if (splits.format().equals("idx")) {
            // IDX files do not say how many classes there are: their labels must be below the model's count
            int maxLabel = 0;
            for (ImageDataset d : withTrain ? List.of(train, test) : List.of(test)) {
                for (int y : d.labels()) {
                    maxLabel = Math.max(maxLabel, y);
                }
            }
            k = c.conditional() ? c.numClasses() : maxLabel + 1;
            if (maxLabel >= k) {
                throw new IllegalArgumentException("the data have labels up to " + maxLabel + " but the model has " + k
                        + " classes");
            }
            dataNames = k == test.numClasses() ? test.classNames()
                    : java.util.stream.IntStream.range(0, k).mapToObj(Integer::toString).toList();
        } else {
            if (c.conditional() && test.numClasses() != c.numClasses()) {
                throw new IllegalArgumentException("the data have " + test.numClasses() + " classes " + test.classNames()
                        + " but the model has " + c.numClasses());
            }
            k = test.numClasses();
            dataNames = test.classNames();
        }
        // the names the model was trained with, else the data's
        List<String> stored = ModelFiles.classNames(modelFile, loaded.metadata(), k);
        List<String> names = stored.isEmpty() ? dataNames : stored;
        return new EvaluationSetup(loaded, train, test, splits.testName(), names, log);
    }

    /** σ of the denoising step for a {@code --denoise} value. */
    double denoiseSigma(String option) {
        return Samples.denoiseSigma(option, loaded.metadata().get(ModelFiles.TRAINING_NOISE));
    }

    /** Trains the judge classifier on the first {@code images} training images, reporting its time. */
    PixelClassifier trainJudge(int images, int epochs, long seed) {
        ImageDataset subset = train.head(images);
        log.printf(Locale.ROOT, "training the judge classifier (Tribuo logistic regression on pixels) on %,d images, %d epochs ...%n",
                subset.size(), epochs);
        long t0 = System.nanoTime();
        PixelClassifier c = PixelClassifier.train(subset, classNames, epochs, seed);
        log.printf(Locale.ROOT, "judge classifier trained in %s%n", ProgressBar.duration((System.nanoTime() - t0) / 1e9));
        return c;
    }

    /** Feature moments of images {@code data} (all of them), in batches. */
    Moments moments(ImageDataset data) {
        Moments m = new Moments(features.dim(data.channels(), data.height(), data.width()));
        for (int start = 0; start < data.size(); start += 1000) {
            Tensor x = data.images(Indices.range(start, Math.min(data.size(), start + 1000)), DType.F32);
            for (double[] f : features.apply(x)) {
                m.add(f);
            }
        }
        return m;
    }

    /** The judges of the sweep, with the real test images' moments as the Fréchet reference. */
    GuidanceSweep.Judges judges(PixelClassifier classifier) {
        return new GuidanceSweep.Judges(classifier, classNames, features, moments(test));
    }
}
