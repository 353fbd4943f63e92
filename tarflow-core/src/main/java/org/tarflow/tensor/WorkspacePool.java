package org.tarflow.tensor;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Consumer;

/**
 * Workspaces for the threads of a parallel loop whose pieces of work each need one (the groups of rows of
 * likelihood evaluation and of sampling). A piece takes a workspace, resets it, and gives it back when done;
 * the pool keeps what it is given, so the next loop (the next batch, the next flow block) reuses the same
 * buffers. It holds at most as many workspaces as pieces ever ran at once. Thread-safe.
 */
public final class WorkspacePool {
    private final Kernels kernels;
    private final ConcurrentLinkedDeque<Workspace> idle = new ConcurrentLinkedDeque<>();

    /**
     * Creates an empty pool.
     *
     * @param kernels the backend the workspaces allocate through
     */
    public WorkspacePool(Kernels kernels) {
        this.kernels = kernels;
    }

    /** {@return an idle workspace (most recently given back first, its buffers still warm), reset; a new one if none is idle} */
    public Workspace take() {
        Workspace ws = idle.pollFirst();
        if (ws == null) {
            return new Workspace(kernels);
        }
        ws.reset();
        return ws;
    }

    /**
     * Runs {@code body} with a workspace taken from this pool and gives it back afterwards, also when the
     * body throws.
     *
     * @param body the work; nothing it allocated in the workspace may be used after it returns
     */
    public void use(Consumer<Workspace> body) {
        Workspace ws = take();
        try {
            body.accept(ws);
        } finally {
            give(ws);
        }
    }

    /**
     * Returns a workspace taken from this pool; nothing it handed out may be used afterwards.
     *
     * @param ws the workspace
     */
    public void give(Workspace ws) {
        idle.offerFirst(ws);
    }
}
