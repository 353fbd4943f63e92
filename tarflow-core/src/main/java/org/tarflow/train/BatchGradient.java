package org.tarflow.train;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tarflow.flow.ForwardResult;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.nn.Gradients;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Parallel;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;

/**
 * The forward and backward pass of one training batch, run in fixed groups of samples that the threads take
 * in turn, each thread with a {@link Workspace} of its own for the activations (and serial kernels, when
 * there are several groups), each group with a {@link Gradients} object of its own.
 * The loss (the reference's {@code get_loss}) is a mean over independent samples, so the batch's gradient is
 * the sum of the groups' gradients; they are added into the target gradients in group order, whichever
 * thread finished first, so the result does not depend on the number of threads.
 *
 * <p>Why groups: a whole-batch pass splits every operation across the threads (a hand-off per operation)
 * and keeps the whole batch's activations between forward and backward (about 1.1 GB for the mnist bench
 * model at batch 256, read back from memory); a group of ten mnist images keeps a few tens of MB per thread.
 * The price is rounding: the gradient is summed per group and then over the groups instead of over the
 * whole batch in one product, so it differs from one {@link TarFlowModel#backward} of the whole batch in
 * the last bits.
 *
 * <p>Memory, all kept between calls so that a steady training loop allocates nothing: one workspace per
 * thread (a group's activations and backward temporaries), and one gradient object per group in flight (a
 * group that finishes before an earlier one waits with its gradients; in practice at most one per thread
 * more). Instances are not thread-safe.
 */
public final class BatchGradient {
    /**
     * Patch rows per group: 10 mnist images of 49 patches, 1 cifar image of 256 (measured on the mnist bench
     * model, one thread: 56-58 img/s at batches of 10-40 images, 52 at 256).
     */
    static final int GROUP_ROWS = 500;

    private final TarFlowModel model;
    private final int groupRows;
    private final List<Workspace> workspaces = new ArrayList<>();
    private final Deque<Gradients> idleGradients = new ArrayDeque<>();
    /** The batch's block outputs and log-dets, reused while the batch shape stays the same. */
    private List<Tensor> outputs = List.of();
    private Tensor logdets;

    /**
     * Prepares the passes for a model; workspaces and group gradients are made on first use.
     *
     * @param model the model whose gradients are computed
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
     * d loss / d parameter into {@code grads} (as {@link TarFlowModel#forwardForTraining} then
     * {@link TarFlowModel#backward} of the whole batch would, up to rounding; zero {@code grads} first for a
     * fresh step).
     *
     * @param x      (B, C, H, W) images or (B, T, D) sequences in the model's dtype
     * @param labels as for {@link TarFlowModel#forward}
     * @param grads  gradients of the model's parameters ({@link TarFlowModel#newGradients}), accumulated into
     * @return the forward result of the whole batch (latent, every block's output, per-dimension log-dets),
     *         the same bits as {@link TarFlowModel#forward} gives, in tensors that the next call overwrites
     * @throws IllegalArgumentException as {@link TarFlowModel#forward}; {@code grads} may then hold the sum
     *         of the groups that finished (zero them before the next step)
     */
    public ForwardResult compute(Tensor x, int[] labels, Gradients grads) {
        Tensor seq = x.rank() == 3 ? x : model.patchify(x);
        int b = seq.dim(0);
        if (labels != null && labels.length != b) {
            throw new IllegalArgumentException(labels.length + " labels for a batch of " + b);
        }
        int group = Math.max(1, groupRows / Math.max(1, seq.dim(1))); // a bad shape is reported by the forward
        int groups = (b + group - 1) / group;
        int workers = Math.max(1, Math.min(Parallel.threads(), groups));
        while (workspaces.size() < workers) {
            workspaces.add(new Workspace(model.kernels()));
        }
        Kernels k = model.kernels();
        int blocks = model.blocks().size();
        if (outputs.isEmpty() || !outputs.getFirst().sameShape(seq)) {
            List<Tensor> fresh = new ArrayList<>();
            for (int i = 0; i < blocks; i++) {
                fresh.add(k.allocate(model.dtype(), seq.shape()));
            }
            outputs = List.copyOf(fresh);
            logdets = k.allocate(model.dtype(), b);
        }
        List<Tensor> outputs = this.outputs;
        Tensor logdets = this.logdets;
        OrderedSum sum = new OrderedSum(grads, k);
        Parallel.forTasks(groups, workers, (worker, g) -> {
            int g0 = g * group;
            int g1 = Math.min(b, g0 + group);
            Workspace ws = workspaces.get(worker);
            ws.reset();
            Gradients groupGrads = takeGradients();
            try {
                TarFlowModel.Activations acts = model.forwardForTraining(ws.rows(seq, g0, g1),
                        labels == null ? null : Arrays.copyOfRange(labels, g0, g1), ws);
                model.backward(acts, b, groupGrads, ws);
                ForwardResult r = acts.result();
                int rowSize = seq.size() / b;
                for (int i = 0; i < blocks; i++) {
                    k.copy(r.blockOutputs().get(i), outputs.get(i), g0 * rowSize);
                }
                k.copy(r.logdets(), logdets, g0);
            } catch (RuntimeException | Error e) {
                giveGradients(groupGrads);
                throw e;
            }
            sum.add(g, groupGrads);
        });
        return new ForwardResult(outputs.getLast(), List.copyOf(outputs), logdets, x.shape());
    }

    /** {@return the bytes the workspaces have allocated so far (a steady loop stops adding)} */
    long workspaceBytes() {
        long n = 0;
        for (Workspace ws : workspaces) {
            n += ws.allocatedBytes();
        }
        return n;
    }

    /** A group's gradient object, at zero: a kept one, or a new one while fewer exist than groups in flight. */
    private Gradients takeGradients() {
        Gradients g;
        synchronized (idleGradients) {
            g = idleGradients.poll();
        }
        if (g == null) {
            return model.newGradients();
        }
        g.zero();
        return g;
    }

    private void giveGradients(Gradients g) {
        synchronized (idleGradients) {
            idleGradients.push(g);
        }
    }

    /**
     * Adds the groups' gradients into the target in group order: a group that finishes before the previous
     * ones waits (its gradient object is kept aside), and each object goes back to the idle ones once added.
     */
    private final class OrderedSum {
        private final Gradients target;
        private final Kernels k;
        private final Map<Integer, Gradients> early = new HashMap<>();
        private int next;

        OrderedSum(Gradients target, Kernels k) {
            this.target = target;
            this.k = k;
        }

        synchronized void add(int group, Gradients grads) {
            if (group != next) {
                early.put(group, grads);
                return;
            }
            for (Gradients ready = grads; ready != null; ready = early.remove(next)) {
                target.add(ready, k);
                giveGradients(ready);
                next++;
            }
        }
    }
}
