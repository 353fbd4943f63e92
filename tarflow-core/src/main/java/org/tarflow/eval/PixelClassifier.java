package org.tarflow.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tarflow.data.ImageDataset;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * The judge of sample quality: a multinomial logistic regression on pixels, trained with Tribuo
 * ({@link LinearSGDTrainer}, log loss, AdaGrad) on real training images. Its accuracy on real test images
 * is the yardstick; its accuracy on class-conditional samples, labelled with the class they were drawn
 * for, says how recognisably each sample shows its class (a "classification accuracy" in the spirit of
 * the Inception score, with a classifier that can be trained here).
 *
 * <p>Input features: the C·H·W pixel values mapped from [-1, 1] to [0, 1] (zeros omitted, as Tribuo's
 * examples are sparse), plus a constant so that an all-black image is not an empty example.
 */
public final class PixelClassifier {
    /** AdaGrad step size and initial accumulator, Tribuo's usual settings for linear models. */
    private static final double LEARNING_RATE = 0.1;
    private static final double EPSILON = 0.1;
    private static final int MINIBATCH = 1;
    private static final int BATCH = 1000;

    /** Tribuo logs two INFO lines per training run; the evaluation has its own progress output. */
    private static final java.util.logging.Logger TRIBUO_LOG = java.util.logging.Logger.getLogger("org.tribuo");

    static {
        TRIBUO_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    private final Model<Label> model;
    private final List<String> classNames;
    private final Map<String, Integer> ids = new HashMap<>();
    private final String[] names;

    private PixelClassifier(Model<Label> model, List<String> classNames, int pixels) {
        this.model = model;
        this.classNames = List.copyOf(classNames);
        for (int i = 0; i < classNames.size(); i++) {
            ids.put(classNames.get(i), i);
        }
        this.names = featureNames(pixels);
    }

    /**
     * {@return a classifier trained on every image of {@code train} for {@code epochs} passes in the order
     * Tribuo's trainer draws from {@code seed}}
     *
     * @param train      the training images, labels in [0, classNames.size())
     * @param classNames the class names in label order
     * @param epochs     passes over the data
     * @param seed       seed of Tribuo's example order
     * @throws IllegalArgumentException if {@code epochs} is not positive or there are no images
     */
    public static PixelClassifier train(ImageDataset train, List<String> classNames, int epochs, long seed) {
        if (epochs <= 0) {
            throw new IllegalArgumentException("epochs must be positive, got " + epochs);
        }
        if (train.size() == 0) {
            throw new IllegalArgumentException("no training images");
        }
        LabelFactory factory = new LabelFactory();
        MutableDataset<Label> data = new MutableDataset<>(new SimpleDataSourceProvenance("tarflow training images", factory), factory);
        String[] names = featureNames(train.imageSize());
        for (int start = 0; start < train.size(); start += BATCH) {
            int[] idx = Indices.range(start, Math.min(train.size(), start + BATCH));
            Tensor x = train.images(idx, DType.F32);
            int[] y = train.labels(idx);
            for (int i = 0; i < idx.length; i++) {
                data.add(example(new Label(classNames.get(y[i])), names, x, i));
            }
        }
        // loggingInterval -1: Tribuo prints no loss lines
        LinearSGDTrainer trainer = new LinearSGDTrainer(new LogMulticlass(), new AdaGrad(LEARNING_RATE, EPSILON), epochs, -1,
                MINIBATCH, seed);
        return new PixelClassifier(trainer.train(data), classNames, train.imageSize());
    }

    /**
     * {@return (N) the predicted labels}
     *
     * @param images (N, C, H, W) in [-1, 1], shaped like the training images
     * @throws IllegalArgumentException on another image size
     */
    public int[] predict(Tensor images) {
        int n = images.dim(0);
        if (images.size() != n * (names.length - 1)) {
            throw new IllegalArgumentException("expected images of " + (names.length - 1) + " values, got " + images);
        }
        List<Example<Label>> examples = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            examples.add(example(LabelFactory.UNKNOWN_LABEL, names, images, i));
        }
        List<Prediction<Label>> predictions = model.predict(examples);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = ids.get(predictions.get(i).getOutput().getLabel());
        }
        return out;
    }

    /**
     * {@return the classification report of the predictions for every image of {@code data} against its labels}
     *
     * @param data labelled images shaped like the training images
     */
    public ClassificationReport evaluate(ImageDataset data) {
        int[] predicted = new int[data.size()];
        for (int start = 0; start < data.size(); start += BATCH) {
            int[] idx = Indices.range(start, Math.min(data.size(), start + BATCH));
            System.arraycopy(predict(data.images(idx, DType.F32)), 0, predicted, start, idx.length);
        }
        return ClassificationReport.of(data.labels(), predicted, classNames);
    }

    private static Example<Label> example(Label label, String[] names, Tensor x, int i) {
        int n = names.length - 1;
        List<String> used = new ArrayList<>(n + 1);
        List<Double> values = new ArrayList<>(n + 1);
        for (int j = 0; j < n; j++) {
            double v = (Math.max(-1, Math.min(1, x.get(i * n + j))) + 1) / 2;
            if (v != 0) {
                used.add(names[j]);
                values.add(v);
            }
        }
        used.add(names[n]);
        values.add(1.0);
        return new ArrayExample<>(label, used.toArray(String[]::new), values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** "p0000".."pNNNN" (zero-padded, so that Tribuo's name order is pixel order) and "bias". */
    private static String[] featureNames(int pixels) {
        String[] names = new String[pixels + 1];
        int digits = Integer.toString(pixels).length();
        for (int j = 0; j < pixels; j++) {
            names[j] = String.format(Locale.ROOT, "p%0" + digits + "d", j);
        }
        names[pixels] = "bias";
        return names;
    }
}
