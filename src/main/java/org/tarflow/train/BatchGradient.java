package org.tarflow.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tarflow.flow.ForwardResult;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.nn.Parameter;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Parallel;
import org.tarflow.tensor.Tensor;

/**
 * The forward and backward pass of one training batch, run in fixed groups of samples that the threads take
 * in turn, each thread with its own {@link TarFlowModel#replica replica} of the model (and serial kernels,
 * when there are several groups).
 * The loss (the reference's {@code get_loss}) is a mean over independent samples, so the batch's gradient is
 * the sum of the groups' gradients; they are added into the model's gradients in group order, whichever
 * thread finished first, so the result does not depend on the number of threads.
 *
 * <p>Why groups: a whole-batch pass splits every operation across the threads (a hand-off per operation)
 * and keeps the whole batch's activations between forward and backward (about 1.1 GB for the mnist bench
 * model at batch 256, read back from memory); a group of ten mnist images keeps about 45 MB per thread.
 * The price is rounding: the gradient is summed per group and then over the groups instead of over the
 * whole batch in one product, so it differs from {@link TarFlowModel#backward} in the last bits.
 *
 * <p>Memory: one replica per thread (a gradient's worth, kept between calls), plus a copy of the gradient of
 * each group that finishes before an earlier one (in practice at most one per other thread). Instances are
 * not thread-safe.
 */
public final class BatchGradient {
    /**
     * Patch rows per group: 10 mnist images of 49 patches, 1 cifar image of 256 (measured on the mnist bench
     * model, one thread: 56-58 img/s at batches of 10-40 images, 52 at 256).
     */
    static final int GROUP_ROWS = 500;

    private final TarFlowModel model;
    private final int groupRows;
    private final List<TarFlowModel> replicas = new ArrayList<>();

    /**
     * Prepares the passes for a model; replicas are made on first use.
     *
     * @param model the model whose gradients are accumulated
     */
    public BatchGradient(TarFlowModel model) {
        this(model, GROUP_ROWS);
    }

    /** With another group size (tests: several groups in a small batch). */
    BatchGradient(TarFlowModel model, int groupRows) {
        this.model = model;
        this.groupRows = groupRows;
    }

    /**
     * Runs forward and backward of the loss {@code 0.5·mean(z²) − mean(logdets)} over the batch, adding
     * d loss / d parameter into the model's parameter gradients (as {@link TarFlowModel#forward} then
     * {@link TarFlowModel#backward} would, up to rounding; call {@link TarFlowModel#zeroGrad} first for a
     * fresh step). Saves nothing in the model.
     *
     * @param x      (B, C, H, W) images or (B, T, D) sequences in the model's dtype
     * @param labels as for {@link TarFlowModel#forward}
     * @return the forward result of the whole batch (latent, every block's output, per-dimension log-dets),
     *         the same bits as {@link TarFlowModel#forward} gives
     * @throws IllegalArgumentException as {@link TarFlowModel#forward}; the model's gradients may then hold
     *         the sum of the groups that finished (zero them before the next step)
     */
    public ForwardResult compute(Tensor x, int[] labels) {
        Tensor seq = x.rank() == 3 ? x : model.patchify(x);
        int b = seq.dim(0);
        if (labels != null && labels.length != b) {
            throw new IllegalArgumentException(labels.length + " labels for a batch of " + b);
        }
        int group = Math.max(1, groupRows / Math.max(1, seq.dim(1))); // a bad shape is reported by the forward
        int groups = (b + group - 1) / group;
        int workers = Math.max(1, Math.min(Parallel.threads(), groups));
        while (replicas.size() < workers) {
            replicas.add(model.replica());
        }
        int blocks = model.blocks().size();
        List<Tensor> outputs = new ArrayList<>();
        for (int i = 0; i < blocks; i++) {
            outputs.add(Tensor.zerosLike(seq));
        }
        Tensor logdets = Tensor.zeros(model.dtype(), b);
        OrderedSum sum = new OrderedSum(model.parameters(), model.kernels());
        Parallel.forTasks(groups, workers, (worker, g) -> {
            int g0 = g * group;
            int g1 = Math.min(b, g0 + group);
            TarFlowModel replica = replicas.get(worker);
            replica.zeroGrad();
            ForwardResult r;
            try {
                r = replica.forwardSequence(seq.rows(g0, g1), labels == null ? null : Arrays.copyOfRange(labels, g0, g1));
                replica.backward(r, b);
            } catch (RuntimeException | Error e) {
                replica.release(); // drop the activations a failed pass saved
                throw e;
            }
            for (int i = 0; i < blocks; i++) {
                outputs.get(i).setRows(g0, r.blockOutputs().get(i));
            }
            logdets.setRows(g0, r.logdets());
            sum.add(g, replica.parameters());
        });
        return new ForwardResult(outputs.getLast(), List.copyOf(outputs), logdets, x.shape());
    }

    /**
     * Adds the groups' gradients into the target parameters' gradients in group order: a group that finishes
     * before the previous ones is copied and waits.
     */
    private static final class OrderedSum {
        private final List<Parameter> target;
        private final Kernels k;
        private final Map<Integer, List<Tensor>> early = new HashMap<>();
        private int next;

        OrderedSum(List<Parameter> target, Kernels k) {
            this.target = target;
            this.k = k;
        }

        synchronized void add(int group, List<Parameter> grads) {
            List<Tensor> g = new ArrayList<>(grads.size());
            for (Parameter p : grads) {
                g.add(group == next ? p.grad() : p.grad().copy());
            }
            if (group != next) {
                early.put(group, g);
                return;
            }
            for (List<Tensor> ready = g; ready != null; ready = early.remove(next)) {
                for (int i = 0; i < target.size(); i++) {
                    Tensor t = target.get(i).grad();
                    k.add(t, ready.get(i), 1.0, t);
                }
                next++;
            }
        }
    }
}
