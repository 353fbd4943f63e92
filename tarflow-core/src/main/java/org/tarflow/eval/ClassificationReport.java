package org.tarflow.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.evaluation.ConfusionMetrics;
import org.tribuo.classification.evaluation.LabelConfusionMatrix;
import org.tribuo.evaluation.metrics.EvaluationMetric;
import org.tribuo.evaluation.metrics.MetricTarget;
import org.tribuo.impl.ArrayExample;

/**
 * Accuracy, per-class precision / recall / F1 and the confusion matrix of a classifier's predictions,
 * computed by Tribuo's evaluation ({@link LabelConfusionMatrix}, {@link ConfusionMetrics}) so that every
 * classifier of the evaluation suite (the flow as a Bayes classifier, the Tribuo classifier on real
 * images and on samples) is scored by the same code.
 *
 * @param classNames class names in label order (label i is {@code classNames.get(i)})
 * @param accuracy   fraction of predictions equal to the truth, in [0, 1]
 * @param precision  (K) per class: tp / (tp + fp); 0 for a class never predicted (Tribuo's convention)
 * @param recall     (K) per class: tp / (tp + fn); 0 for a class absent from the truth
 * @param f1         (K) per class: harmonic mean of precision and recall; 0 when both are 0
 * @param support    (K) per class: number of examples whose true label it is
 * @param confusion  (K, K) counts: {@code confusion[truth][predicted]}
 */
public record ClassificationReport(List<String> classNames, double accuracy, double[] precision, double[] recall,
                                   double[] f1, int[] support, int[][] confusion) {

    /**
     * Scores predictions against the truth with Tribuo's {@link LabelConfusionMatrix} and {@link ConfusionMetrics}.
     *
     * @param truth      (N) true labels in [0, K)
     * @param predicted  (N) predicted labels in [0, K)
     * @param classNames the K class names in label order
     * @return the report
     * @throws IllegalArgumentException on empty or unequal arrays or a label outside [0, K)
     */
    public static ClassificationReport of(int[] truth, int[] predicted, List<String> classNames) {
        int k = classNames.size();
        if (truth.length != predicted.length || truth.length == 0) {
            throw new IllegalArgumentException("need as many predictions as true labels, and at least one; got "
                    + predicted.length + " and " + truth.length);
        }
        Label[] labels = new Label[k];
        Map<Label, Integer> ids = new HashMap<>();
        for (int c = 0; c < k; c++) {
            labels[c] = new Label(classNames.get(c));
            ids.put(labels[c], c);
        }
        ImmutableOutputInfo<Label> domain = new LabelFactory().constructInfoForExternalModel(ids);
        List<Prediction<Label>> predictions = new ArrayList<>(truth.length);
        for (int i = 0; i < truth.length; i++) {
            predictions.add(new Prediction<>(labels[check(predicted[i], k)], 0, new ArrayExample<>(labels[check(truth[i], k)])));
        }
        LabelConfusionMatrix cm = new LabelConfusionMatrix(domain, predictions);
        double[] precision = new double[k];
        double[] recall = new double[k];
        double[] f1 = new double[k];
        int[] support = new int[k];
        int[][] confusion = new int[k][k];
        for (int c = 0; c < k; c++) {
            MetricTarget<Label> target = new MetricTarget<>(labels[c]);
            precision[c] = ConfusionMetrics.precision(target, cm);
            recall[c] = ConfusionMetrics.recall(target, cm);
            f1[c] = ConfusionMetrics.f1(target, cm);
            support[c] = (int) cm.support(labels[c]);
            for (int p = 0; p < k; p++) {
                confusion[c][p] = (int) cm.confusion(labels[p], labels[c]);
            }
        }
        double accuracy = ConfusionMetrics.accuracy(EvaluationMetric.Average.MICRO, cm);
        return new ClassificationReport(List.copyOf(classNames), accuracy, precision, recall, f1, support, confusion);
    }

    private static int check(int label, int k) {
        if (label < 0 || label >= k) {
            throw new IllegalArgumentException("label " + label + " is outside [0, " + k + ")");
        }
        return label;
    }

    /** {@return the mean of the per-class F1 scores (macro average)} */
    public double macroF1() {
        double s = 0;
        for (double v : f1) {
            s += v;
        }
        return s / f1.length;
    }
}
