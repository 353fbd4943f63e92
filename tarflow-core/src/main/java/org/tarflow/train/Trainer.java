package org.tarflow.train;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.SplittableRandom;
import org.tarflow.data.Dataset;
import org.tarflow.data.Seeds;
import org.tarflow.flow.ForwardResult;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.io.AtomicFiles;
import org.tarflow.nn.Gradients;
import org.tarflow.nn.Parameter;
import org.tarflow.tensor.Tensor;

/**
 * The training loop of the reference's {@code train.py}, on the CPU: per step a batch in a seeded random
 * order (incomplete last batch dropped), noise augmentation, label dropout, the loss
 * {@code 0.5·mean(z²) − mean(logdets)} and its backward pass (in groups of samples across the threads,
 * {@link BatchGradient}), the prior-variance update for volume-preserving models,
 * and an AdamW step with the cosine schedule's learning rate.
 *
 * <p>Every random draw is a function of (seed, step) or (seed, epoch) ({@link Seeds}), so a run resumed
 * from a checkpoint at step s continues exactly as the uninterrupted run would. A checkpoint is written
 * atomically at the end of every epoch (and every {@code checkpointEvery} steps if set), and a line of
 * metrics is appended to {@code train-log.jsonl} per epoch.
 */
public final class Trainer {

    /** Progress of the loop, for a progress bar. */
    public interface Listener {
        /** A listener that ignores everything (tests, batch jobs). */
        Listener SILENT = new Listener() {
            @Override
            public void step(StepInfo info) {
            }

            @Override
            public void epoch(EpochSummary summary) {
            }
        };

        /**
         * Called after every step, skipped or not.
         *
         * @param info where the run is and what the step gave
         */
        void step(StepInfo info);

        /**
         * Called at the end of every epoch, after the checkpoint, the hook and the log line.
         *
         * @param summary the epoch's means
         */
        void epoch(EpochSummary summary);
    }

    /** Extra per-epoch work (test likelihood, sample grids); returns metrics to log. */
    @FunctionalInterface
    public interface EpochHook {
        /**
         * Runs after the end-of-epoch checkpoint.
         *
         * @param epoch the epoch just finished, 1-based
         * @param model the model being trained (its parameters must not be changed)
         * @return metrics to add to the epoch's log line, by name
         * @throws IOException if the work writes files and fails; the run stops
         */
        Map<String, Double> afterEpoch(int epoch, TarFlowModel model) throws IOException;
    }

    /**
     * One step's progress.
     *
     * @param step          steps taken so far (1-based after the step), out of {@code totalSteps}
     * @param totalSteps    steps of the whole run
     * @param epoch         current epoch, 1-based
     * @param epochs        epochs of the run
     * @param stepInEpoch   steps taken in this epoch, 1-based
     * @param stepsPerEpoch steps per epoch
     * @param loss          the step's loss {@code ½·mean(z²) − mean(logdets)}; NaN for a skipped step
     * @param lr            the learning rate the step used
     * @param imagesPerSec  throughput since the loop (re)started
     */
    public record StepInfo(long step, long totalSteps, int epoch, int epochs, int stepInEpoch, int stepsPerEpoch,
                           double loss, double lr, double imagesPerSec) {
    }

    /**
     * Means over the steps of one epoch that this process ran: all of them, or after a resume only those
     * since the checkpoint ({@code steps} says how many). The means are NaN when every step was skipped.
     *
     * @param epoch        the epoch, 1-based
     * @param epochs       epochs of the run
     * @param steps        steps averaged (skipped steps are not)
     * @param loss         mean loss {@code ½·mean(z²) − mean(logdets)}
     * @param mseZ         mean of {@code ½·mean(z²)}, the prior term
     * @param logdet       mean of {@code mean(logdets)}, the per-dimension log-determinant
     * @param lr           the learning rate of the epoch's last step
     * @param seconds      wall time of the epoch in this process
     * @param imagesPerSec images per second over the epoch, skipped steps included
     * @param extra        the hook's metrics, and {@code skipped_steps} if any
     */
    public record EpochSummary(int epoch, int epochs, int steps, double loss, double mseZ, double logdet, double lr,
                               double seconds, double imagesPerSec, Map<String, Double> extra) {
    }

    /** File name of the run's checkpoint in the output folder. */
    public static final String CHECKPOINT = "checkpoint.safetensors";
    /** File name of the run's log in the output folder: one JSON object per epoch. */
    public static final String LOG = "train-log.jsonl";

    private final Checkpoint.State state;
    private final Dataset data;
    private final Path outDir;
    private final long checkpointEvery;
    private final NonFinitePolicy onNonFinite;
    private final int stepsPerEpoch;
    private final CosineSchedule schedule;
    private final BatchGradient gradient;
    /** The batch's gradient: training is the only place a model has one. */
    private final Gradients grads;
    private long step;
    private boolean checkpointed;

    /** What to do when a step's loss or a gradient is NaN or infinite. */
    public enum NonFinitePolicy {
        /** Stop with a {@link TrainingDivergedException} naming the step and the first non-finite tensor. */
        STOP,
        /** Leave the parameters, optimiser and prior untouched for that step, count it, and go on. */
        SKIP
    }

    /**
     * Prepares a run (new, or resumed from {@code state.step()}) and checks that the data fit it.
     *
     * @param state           model, optimiser, settings and step to start from
     * @param data            the training set; each epoch cuts a fresh random permutation of all its items
     *                        into {@code stepsPerEpoch} batches and drops the remainder
     * @param outDir          where the checkpoint and the log are written
     * @param checkpointEvery also checkpoint every this many steps (0: only at the end of epochs)
     * @param onNonFinite     what a non-finite loss or gradient does; the check runs before the optimiser
     *                        step, so the parameters (and the last checkpoint) stay finite either way
     * @throws IllegalArgumentException when the batch size exceeds the dataset, the items do not have the
     *         model's shape, a conditional model gets unlabelled data or more classes than it has, the
     *         training set's size differs from the one the run started with, or the state is past the
     *         run's last step
     */
    public Trainer(Checkpoint.State state, Dataset data, Path outDir, long checkpointEvery,
                   NonFinitePolicy onNonFinite) {
        TrainConfig cfg = state.config();
        this.state = state;
        this.data = data;
        this.outDir = outDir;
        this.checkpointEvery = checkpointEvery;
        this.onNonFinite = onNonFinite;
        this.stepsPerEpoch = data.size() / cfg.batchSize();
        if (stepsPerEpoch == 0) {
            throw new IllegalArgumentException("batch size " + cfg.batchSize() + " exceeds the " + data.size()
                    + " training images");
        }
        var m = state.model().config();
        int[] expected = m.isImage() ? new int[] {m.inChannels(), m.imgSize(), m.imgSize()}
                : new int[] {m.numPatches(), m.patchDim()};
        if (!java.util.Arrays.equals(data.itemShape(), expected)) {
            throw new IllegalArgumentException("the data items are " + shape(data.itemShape()) + " but the model expects "
                    + shape(expected) + (m.isImage() ? " images" : " sequences (T x D)"));
        }
        if (m.conditional() && data.numClasses() == 0) {
            throw new IllegalArgumentException("the model is class-conditional but the data have no labels");
        }
        if (m.conditional() && data.numClasses() > m.numClasses()) {
            throw new IllegalArgumentException("the data have " + data.numClasses() + " classes, the model " + m.numClasses());
        }
        if (state.trainSetSize() > 0 && state.trainSetSize() != data.size()) {
            throw new IllegalArgumentException("the run was trained on " + state.trainSetSize() + " images but "
                    + data.size() + " are given now: resume with the same data (--data)");
        }
        this.schedule = cfg.schedule(stepsPerEpoch);
        this.gradient = new BatchGradient(state.model());
        this.grads = state.model().newGradients();
        this.step = state.step();
        if (step > schedule.totalSteps()) {
            throw new IllegalArgumentException("the checkpoint is at step " + step + " but the run has only "
                    + schedule.totalSteps() + " steps");
        }
    }

    private static String shape(int[] s) {
        return java.util.Arrays.stream(s).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining("x"));
    }

    /** {@return optimiser steps per epoch: training set size / batch size, rounded down} */
    public int stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /** {@return optimiser steps of the whole run: epochs × {@link #stepsPerEpoch()}} */
    public long totalSteps() {
        return schedule.totalSteps();
    }

    /**
     * Runs from the state's step to the end of the last epoch. First removes the temporary checkpoint files
     * a killed run may have left in the output directory.
     *
     * @param listener receives every step and epoch
     * @param hook     extra work after each epoch's checkpoint; null for none
     * @throws IOException if a checkpoint, the log or the hook's output cannot be written
     * @throws TrainingDivergedException with {@link NonFinitePolicy#STOP}, at the first non-finite loss or
     *         gradient
     */
    public void run(Listener listener, EpochHook hook) throws IOException {
        AtomicFiles.removeStale(outDir.resolve(CHECKPOINT));
        TrainConfig cfg = state.config();
        TarFlowModel model = state.model();
        long total = schedule.totalSteps();
        long loopStart = System.nanoTime();
        long stepsThisRun = 0;
        double sumLoss = 0, sumMse = 0, sumLogdet = 0;
        int counted = 0;
        int skipped = 0;
        long epochStart = System.nanoTime();
        int[] order = null;
        int orderEpoch = -1;
        while (step < total) {
            int epoch = (int) (step / stepsPerEpoch);
            int inEpoch = (int) (step % stepsPerEpoch);
            if (orderEpoch != epoch) {
                order = Seeds.permutation(data.size(), Seeds.stream(cfg.seed(), Seeds.DATA_ORDER, epoch));
                orderEpoch = epoch;
            }
            int[] idx = java.util.Arrays.copyOfRange(order, inEpoch * cfg.batchSize(), (inEpoch + 1) * cfg.batchSize());
            double lr = schedule.lrAt(step);
            double[] m = trainStep(model, idx, lr);
            step++;
            stepsThisRun++;
            if (m == null) {
                skipped++;
            } else {
                sumLoss += m[0];
                sumMse += m[1];
                sumLogdet += m[2];
                counted++;
            }
            double ips = stepsThisRun * cfg.batchSize() / ((System.nanoTime() - loopStart) / 1e9);
            listener.step(new StepInfo(step, total, epoch + 1, cfg.epochs(), inEpoch + 1, stepsPerEpoch,
                    m == null ? Double.NaN : m[0], lr, ips));
            boolean endOfEpoch = step % stepsPerEpoch == 0;
            if (endOfEpoch || (checkpointEvery > 0 && step % checkpointEvery == 0)) {
                Checkpoint.save(outDir.resolve(CHECKPOINT), state.at(step));
                checkpointed = true;
            }
            if (endOfEpoch) {
                double secs = (System.nanoTime() - epochStart) / 1e9;
                Map<String, Double> extra = new java.util.LinkedHashMap<>();
                if (skipped > 0) {
                    extra.put("skipped_steps", (double) skipped);
                }
                if (hook != null) {
                    extra.putAll(hook.afterEpoch(epoch + 1, model));
                }
                EpochSummary s = new EpochSummary(epoch + 1, cfg.epochs(), counted, sumLoss / counted, sumMse / counted,
                        sumLogdet / counted, lr, secs, (counted + skipped) * cfg.batchSize() / secs, extra);
                appendLog(s);
                listener.epoch(s);
                sumLoss = sumMse = sumLogdet = 0;
                counted = 0;
                skipped = 0;
                epochStart = System.nanoTime();
            }
        }
    }

    /** One optimiser step on the images {@code idx}; returns {loss, 0.5·mean(z²), mean(logdets)}. */
    private double[] trainStep(TarFlowModel model, int[] idx, double lr) {
        TrainConfig cfg = state.config();
        SplittableRandom rng = Seeds.stream(cfg.seed(), Seeds.STEP, step);
        Tensor x = data.batch(idx, cfg.dtype());
        cfg.noise().apply(x, rng);
        int[] y = null;
        if (model.config().conditional()) {
            y = data.labels(idx);
            for (int i = 0; i < y.length; i++) {
                if (rng.nextDouble() < cfg.dropLabel()) {
                    y[i] = -1;
                }
            }
        }
        grads.zero();
        ForwardResult r = gradient.compute(x, y, grads);
        double loss = model.loss(r);
        // the backward pass has run either way (per group, before the batch's loss was known)
        String problem = Double.isFinite(loss) ? firstNonFiniteGradient(grads)
                : "non-finite loss (" + loss + ")" + firstNonFiniteOutput(r);
        if (problem != null) {
            if (onNonFinite == NonFinitePolicy.SKIP) {
                return null;
            }
            Path ckpt = outDir.resolve(CHECKPOINT);
            throw new TrainingDivergedException(problem + " at step " + (step + 1) + " (epoch "
                    + (step / stepsPerEpoch + 1) + "); the parameters were not updated; "
                    + (checkpointed || java.nio.file.Files.exists(ckpt) ? "the last checkpoint is " + ckpt + "; "
                            : "no checkpoint was written; ")
                    + "train again with a lower --lr (or less noise), or skip such steps with --on-nonfinite skip");
        }
        if (!model.config().nvp()) {
            model.updatePrior(r.z());
        }
        state.optimizer().step(lr, grads);
        double mse = 0.5 * model.kernels().sumSquares(r.z()) / r.z().size();
        double logdet = model.kernels().sum(r.logdets()) / r.logdets().size();
        return new double[] {loss, mse, logdet};
    }

    /** ", first in <where>" for the first block output or logdet of the pass that is not finite. */
    private static String firstNonFiniteOutput(ForwardResult r) {
        for (int i = 0; i < r.blockOutputs().size(); i++) {
            int at = firstNonFinite(r.blockOutputs().get(i));
            if (at >= 0) {
                return ", first in the output of flow block " + i + " (element " + at + ")";
            }
        }
        int at = firstNonFinite(r.logdets());
        return at >= 0 ? ", first in the logdet of sample " + at : "";
    }

    /** A description of the first parameter gradient holding NaN or infinity, or null if all are finite. */
    static String firstNonFiniteGradient(Gradients grads) {
        for (Parameter p : grads.parameters()) {
            int at = firstNonFinite(grads.of(p));
            if (at >= 0) {
                return "non-finite gradient of " + p.name() + " (" + grads.of(p).get(at) + " at element " + at + ")";
            }
        }
        return null;
    }

    private static int firstNonFinite(Tensor t) {
        for (int i = 0; i < t.size(); i++) {
            if (!Double.isFinite(t.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private void appendLog(EpochSummary s) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("epoch", s.epoch());
        o.addProperty("step", step);
        o.addProperty("steps_averaged", s.steps());
        if (s.steps() > 0) { // an epoch whose every step was skipped has no means (and JSON has no NaN)
            o.addProperty("loss", s.loss());
            o.addProperty("mse_z", s.mseZ());
            o.addProperty("logdet", s.logdet());
        }
        o.addProperty("lr", s.lr());
        o.addProperty("seconds", s.seconds());
        o.addProperty("images_per_sec", s.imagesPerSec());
        s.extra().forEach(o::addProperty);
        Files.writeString(outDir.resolve(LOG), o + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }
}
