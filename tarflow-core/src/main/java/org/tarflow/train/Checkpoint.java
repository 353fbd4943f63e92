package org.tarflow.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.io.ModelFiles;
import org.tarflow.io.Safetensors;
import org.tarflow.io.StoredTensor;
import org.tarflow.io.TensorFileException;
import org.tarflow.io.WeightsFile;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;

/**
 * A resumable training state in one safetensors file, written atomically: the model's state_dict (so the
 * file also loads as plain weights), AdamW's moments under {@code optimizer.exp_avg.<key>} and
 * {@code optimizer.exp_avg_sq.<key>}, and in the metadata the model and training configurations, the
 * number of steps taken (which fixes the learning-rate schedule, the data order and every random draw to
 * come) and the optimiser's step count.
 */
public final class Checkpoint {
    static final String STEP = "step";
    static final String OPTIMIZER_STEP = "optimizer_step";
    static final String TRAIN_CONFIG = "train_config";
    static final String DATA_DIR = "data_dir";
    static final String TRAIN_SET_SIZE = "train_set_size";

    private Checkpoint() {
    }

    /**
     * What a checkpoint restores.
     *
     * @param model        the model, with the state_dict of the file
     * @param optimizer    AdamW over the model's parameters, with its moments and step count
     * @param config       the run's training settings
     * @param step         optimiser steps taken in the run so far
     * @param dataDir      where the training data came from (informational; may be null)
     * @param trainSetSize number of training images the run uses, which fixes its schedule (0 if unknown)
     * @param dataImgSize  the side the images were resized and center-cropped to ({@link ModelFiles#DATA_IMG_SIZE}),
     *                     null for the data's own size (and for sequences)
     */
    public record State(TarFlowModel model, AdamW optimizer, TrainConfig config, long step, String dataDir,
                        int trainSetSize, Integer dataImgSize) {
        /**
         * A state of data used at their own size.
         *
         * @param model        the model
         * @param optimizer    AdamW over its parameters
         * @param config       the training settings
         * @param step         steps taken so far
         * @param dataDir      where the data came from, or null
         * @param trainSetSize training images the run uses (0 if unknown)
         */
        public State(TarFlowModel model, AdamW optimizer, TrainConfig config, long step, String dataDir, int trainSetSize) {
            this(model, optimizer, config, step, dataDir, trainSetSize, null);
        }

        /**
         * {@return the same state (sharing the model and optimiser) at another step, for saving during training}
         *
         * @param newStep the step count to record
         */
        public State at(long newStep) {
            return new State(model, optimizer, config, newStep, dataDir, trainSetSize, dataImgSize);
        }
    }

    /**
     * Writes the state atomically (see the class comment for the layout).
     *
     * @param file the checkpoint to create or replace, normally {@link Trainer#CHECKPOINT} in the run's folder
     * @param s    the state to save
     * @throws IOException if the file cannot be written
     */
    public static void save(Path file, State s) throws IOException {
        Map<String, StoredTensor> tensors = new LinkedHashMap<>(ModelFiles.tensors(s.model()));
        s.optimizer().expAvg().forEach((k, v) -> tensors.put(ModelFiles.OPTIMIZER_PREFIX + "exp_avg." + k, StoredTensor.of(v)));
        s.optimizer().expAvgSq().forEach((k, v) -> tensors.put(ModelFiles.OPTIMIZER_PREFIX + "exp_avg_sq." + k, StoredTensor.of(v)));
        Map<String, String> meta = ModelFiles.metadata("tarflow-checkpoint/1", s.model().config());
        meta.put(TRAIN_CONFIG, s.config().toJson());
        meta.put(ModelFiles.TRAINING_NOISE, s.config().noise().toString());
        if (s.dataDir() != null) {
            meta.put(DATA_DIR, s.dataDir());
        }
        meta.put(TRAIN_SET_SIZE, Integer.toString(s.trainSetSize()));
        if (s.dataImgSize() != null) {
            meta.put(ModelFiles.DATA_IMG_SIZE, Integer.toString(s.dataImgSize()));
        }
        meta.put(STEP, Long.toString(s.step()));
        meta.put(OPTIMIZER_STEP, Long.toString(s.optimizer().stepCount()));
        Safetensors.write(file, tensors, meta);
    }

    /**
     * Reads a checkpoint written by {@link #save}, once: the model in the training dtype recorded in it, and the
     * optimiser with its moments and step count.
     *
     * @param file the checkpoint
     * @param k    the kernels of the restored model
     * @return the state to resume from
     * @throws TensorFileException when the file is not a complete tarflow checkpoint: no training
     *         metadata (a weights file), bad step counts, or missing or mis-shaped optimiser state
     * @throws IOException when it cannot be read
     */
    public static State load(Path file, Kernels k) throws IOException {
        Safetensors.Contents c = Safetensors.read(file);
        String trainJson = c.metadata().get(TRAIN_CONFIG);
        if (trainJson == null || !c.metadata().containsKey(STEP) || !c.metadata().containsKey(OPTIMIZER_STEP)) {
            throw new TensorFileException(file, "is not a training checkpoint (no train_config/step metadata); "
                    + "weights files can be sampled and evaluated but not resumed");
        }
        TrainConfig cfg;
        long step;
        long optStep;
        int setSize;
        try {
            cfg = TrainConfig.fromJson(trainJson);
            step = Long.parseLong(c.metadata().get(STEP));
            optStep = Long.parseLong(c.metadata().get(OPTIMIZER_STEP));
            setSize = Integer.parseInt(c.metadata().getOrDefault(TRAIN_SET_SIZE, "0"));
        } catch (IllegalArgumentException e) {
            throw new TensorFileException(file, "bad checkpoint metadata: " + e.getMessage());
        }
        // the optimiser falls behind the step count by the steps --on-nonfinite skip skipped
        if (step < 0 || optStep < 0 || optStep > step || setSize < 0) {
            throw new TensorFileException(file, "bad checkpoint metadata: step " + step + ", optimizer step " + optStep
                    + ", training set size " + setSize);
        }
        // from the contents read above: one read, so the model, the optimiser state and the metadata all come
        // from the same version of the file
        WeightsFile.Contents weights = new WeightsFile.Contents(c.tensors(), c.metadata());
        TarFlowModel model = ModelFiles.load(file, weights, cfg.dtype(), k);
        AdamW opt = AdamW.reference(model.kernels(), model.parameters());
        restore(file, c, "exp_avg.", opt.expAvg());
        restore(file, c, "exp_avg_sq.", opt.expAvgSq());
        opt.setStepCount(optStep);
        return new State(model, opt, cfg, step, c.metadata().get(DATA_DIR), setSize,
                ModelFiles.dataImgSize(file, c.metadata()));
    }

    private static void restore(Path file, Safetensors.Contents c, String kind, Map<String, Tensor> into)
            throws TensorFileException {
        for (Map.Entry<String, Tensor> e : into.entrySet()) {
            StoredTensor t = c.tensors().get(ModelFiles.OPTIMIZER_PREFIX + kind + e.getKey());
            if (t == null || !t.isFloat() || !java.util.Arrays.equals(t.shape(), e.getValue().shape())) {
                throw new TensorFileException(file, "optimizer state " + kind + e.getKey() + " is missing or mis-shaped");
            }
            e.getValue().copyFrom(t.toTensor(e.getValue().dtype()));
        }
    }
}
