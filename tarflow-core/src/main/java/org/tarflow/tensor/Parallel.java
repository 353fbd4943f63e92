package org.tarflow.tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed pool of worker threads for the kernels, sized to the machine.
 *
 * <p>Work is split into contiguous, equal ranges, one per thread, and every output element is
 * written by exactly one range; reductions are never split across threads. So results do not depend
 * on the number of threads. A loop called from inside another loop's range (on a worker or on the calling
 * thread) runs serially: no nested parallelism, so an outer loop over independent pieces of work
 * (e.g. the rows of a sampling batch) owns the threads.
 *
 * <p>The thread count defaults to {@link Runtime#availableProcessors()} and can be set with the
 * system property {@code tarflow.threads} or {@link #setThreads(int)}.
 *
 * <p>Handing a range to a worker and waiting for it must cost far less than the range itself: a
 * sampling step's products take 10-30 µs each, and waking a parked thread through an executor's queue
 * (a futex, an inter-processor interrupt in a VM) took about as long, so that two threads ran such a
 * product slower than one. So a worker that has finished spins for {@link #SPIN_NANOS} on its job slot
 * before it parks, and the caller spins as long before it parks while waiting for the workers (OpenMP's
 * wait policy does the same). One caller at a time holds the workers: a loop started meanwhile on
 * another thread runs serially on that thread (with the same results, which do not depend on the thread
 * count), so no caller waits for another and none can deadlock on the pool.
 */
public final class Parallel {

    /** Body of a parallel loop over the half-open index range {@code [lo, hi)}. */
    @FunctionalInterface
    public interface RangeBody {
        /**
         * Processes the indices {@code lo..hi-1}; it must write only outputs owned by that range.
         *
         * @param lo first index of the range
         * @param hi one past the last index of the range
         */
        void run(int lo, int hi);
    }

    /**
     * How long a thread that waits for work (a worker) or for the workers (the caller) spins before it
     * parks: longer than the gaps between a decoding step's loops, short enough that an idle pool costs
     * nothing measurable.
     */
    static final long SPIN_NANOS = 200_000;

    private static final ThreadLocal<Boolean> IN_WORKER = ThreadLocal.withInitial(() -> false);
    private static volatile int threads = initialThreads();
    /** The threads − 1 workers, started on the first parallel loop; guarded by the class lock. */
    private static Worker[] workers;
    /** Held by the thread that hands out ranges, for the whole loop. */
    private static final ReentrantLock DISPATCH = new ReentrantLock();

    private Parallel() {
    }

    private static int initialThreads() {
        String p = System.getProperty("tarflow.threads");
        int n = p == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(p.trim());
        if (n < 1) {
            throw new IllegalArgumentException("tarflow.threads must be >= 1, got " + p);
        }
        return n;
    }

    /** {@return the number of threads (including the caller) that parallel loops use} */
    public static int threads() {
        return threads;
    }

    /**
     * Sets the number of threads used by parallel loops (the command line's {@code --threads}). It waits
     * for a loop that another thread is running, then retires the old workers at once; new ones start with
     * the next parallel loop.
     *
     * @param n the thread count, including the calling thread
     * @throws IllegalArgumentException if {@code n < 1}
     * @throws IllegalStateException if called from inside a parallel loop's range (its workers must stay)
     */
    public static void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + n);
        }
        if (IN_WORKER.get()) {
            throw new IllegalStateException("setThreads called from inside a parallel loop");
        }
        DISPATCH.lock(); // not while a loop runs: its workers must stay
        try {
            synchronized (Parallel.class) {
                if (n != threads && workers != null) {
                    for (Worker w : workers) {
                        w.retire();
                    }
                    workers = null;
                }
                threads = n;
            }
        } finally {
            DISPATCH.unlock();
        }
    }

    private static synchronized Worker[] workers() {
        if (workers == null) {
            Worker[] w = new Worker[Math.max(1, threads - 1)];
            int started = 0;
            try {
                for (; started < w.length; started++) {
                    w[started] = new Worker("tarflow-worker-" + started);
                    w[started].start();
                }
            } catch (RuntimeException | Error e) { // e.g. no memory for a thread: end the ones already started
                for (int i = 0; i < started; i++) {
                    w[i].retire();
                }
                throw e;
            }
            workers = w;
        }
        return workers;
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into at most {@link #threads()} contiguous ranges,
     * the first on the calling thread. Runs serially when {@code parallel} is false, when there is
     * one thread, or when called from inside another loop's range. Range p of P covers {@code [n·p/P, n·(p+1)/P)}.
     *
     * <p>An exception thrown by any range is rethrown here after every range has finished (the first
     * one, with the calling thread's range first); an interruption while waiting becomes an
     * {@link IllegalStateException} with the interrupt flag set again.
     *
     * @param n        the number of indices; nothing runs when {@code n <= 0}
     * @param parallel false to run on the calling thread (the caller's judgement that the work is too
     *                 small to pay for a hand-off)
     * @param body     the loop body, called once per range
     */
    public static void forRange(int n, boolean parallel, RangeBody body) {
        int parts = Math.min(threads, n);
        if (!parallel || parts <= 1 || IN_WORKER.get()) {
            if (n > 0) {
                body.run(0, n);
            }
            return;
        }
        if (!DISPATCH.tryLock()) {
            body.run(0, n); // another thread's loop holds the workers
            return;
        }
        try {
            parts = Math.min(threads, n); // threads cannot change while DISPATCH is held
            if (parts <= 1) {
                body.run(0, n);
                return;
            }
            Worker[] ws = workers();
            Thread caller = Thread.currentThread();
            int posted = 0;
            Throwable failure = null;
            boolean interrupted = false;
            try {
                for (int p = 1; p < parts; p++) {
                    ws[p - 1].post(body, (int) ((long) n * p / parts), (int) ((long) n * (p + 1) / parts), caller);
                    posted++;
                }
                // the calling thread is a worker too while it runs its range, so that nested loops stay serial
                IN_WORKER.set(true);
                try {
                    body.run(0, (int) ((long) n / parts));
                } finally {
                    IN_WORKER.set(false);
                }
            } catch (Throwable e) {
                failure = e;
            } finally {
                // every posted range is waited for, whatever happened here: none may still run (or write its
                // outputs, or its slot) when this returns
                for (int p = 0; p < posted; p++) {
                    interrupted |= awaitDone(ws[p]);
                    Throwable f = ws[p].takeFailure();
                    failure = failure == null ? f : failure;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
                failure = failure == null ? new InterruptedException("interrupted while waiting") : failure;
            }
            if (failure instanceof RuntimeException re) {
                throw re;
            } else if (failure instanceof Error er) {
                throw er;
            } else if (failure != null) {
                throw new IllegalStateException(failure instanceof InterruptedException
                        ? "parallel loop interrupted" : "parallel loop failed", failure);
            }
        } finally {
            DISPATCH.unlock();
        }
    }

    /**
     * The caller's wait for worker {@code w}'s job: spins for {@link #SPIN_NANOS}, then parks with
     * {@code w.callerParked} set, so that the worker unparks it (the worker raises {@code finished}, then reads
     * the flag; this thread sets the flag, then reads {@code finished}: with both volatile, one of the two
     * sees the other's write). Allocates nothing, so that it cannot fail part-way.
     *
     * @return whether the thread was interrupted (the flag is cleared as it goes, else parking would
     *         return at once and the wait would spin)
     */
    private static boolean awaitDone(Worker w) {
        boolean interrupted = false;
        long start = System.nanoTime();
        while (!w.done()) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
                continue;
            }
            w.callerParked = true;
            if (!w.done()) {
                LockSupport.park();
            }
            w.callerParked = false;
            interrupted |= Thread.interrupted();
        }
        return interrupted;
    }

    /**
     * A pool thread with one job slot: the caller writes the job, then publishes it by raising
     * {@code posted}; the worker runs it and raises {@code finished}. The volatile counters order the plain
     * fields (written before the raise, read after it).
     */
    private static final class Worker extends Thread {
        private volatile long posted;
        private volatile long finished;
        private volatile boolean stopping;
        /** Set while the worker is parked (or about to park) waiting for a job. */
        private volatile boolean parked;
        /** Set while the caller is parked waiting for this worker's job. */
        volatile boolean callerParked;
        private RangeBody body;
        private int lo;
        private int hi;
        private Thread caller;
        private Throwable failure;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        void post(RangeBody b, int from, int to, Thread by) {
            body = b;
            lo = from;
            hi = to;
            caller = by;
            posted = posted + 1; // only the DISPATCH holder posts
            if (parked) {
                LockSupport.unpark(this);
            }
        }

        boolean done() {
            return finished == posted;
        }

        Throwable takeFailure() {
            Throwable f = failure;
            failure = null;
            return f;
        }

        void retire() {
            stopping = true;
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            IN_WORKER.set(true);
            long taken = 0;
            while (true) {
                long next = taken + 1;
                // the caller's protocol mirrored (awaitDone), written out so that nothing here allocates:
                // this loop must not fail, or every later parallel loop would wait for this thread
                long start = System.nanoTime();
                while (posted < next && !stopping) {
                    if (System.nanoTime() - start < SPIN_NANOS) {
                        Thread.onSpinWait();
                        continue;
                    }
                    parked = true;
                    if (posted < next && !stopping) {
                        LockSupport.park();
                    }
                    parked = false;
                    Thread.interrupted(); // a flag a range left set would make park return at once
                }
                if (posted < next) {
                    return; // stopping, with no job left
                }
                taken = next;
                try {
                    body.run(lo, hi);
                } catch (Throwable e) { // whatever it is, the caller must hear of it and this thread must live on
                    failure = e;
                }
                Thread by = caller;
                body = null;
                caller = null;
                finished = taken;
                if (callerParked) {
                    LockSupport.unpark(by);
                }
            }
        }
    }

    /** Body of {@link #forTasks}: runs one task on one of the threads. */
    @FunctionalInterface
    public interface TaskBody {
        /**
         * Runs a task.
         *
         * @param worker which thread runs it, below the loop's worker count: for per-thread state such as a
         *               workspace; the same task may run on a different worker next time
         * @param task   the task's index
         */
        void run(int worker, int task);
    }

    /**
     * Runs tasks {@code 0..n-1}, each once, on up to {@code workers} of the {@link #threads()} threads (the
     * caller is worker 0), each thread taking the next task in index order as soon as it is free: for tasks
     * that are too big to split further and may take different times. Which thread runs which task is not
     * fixed, so the tasks must not depend on it beyond per-worker scratch state. With several tasks on
     * several threads, loops inside a task run serially; a single task keeps the threads for its own loops.
     * Runs on the calling thread alone when there is one thread or when called from inside another loop.
     * Once a task has thrown, no further task starts; the exception is rethrown as by {@link #forRange}.
     *
     * @param n       the number of tasks
     * @param workers the most workers to use (the caller's per-worker state), at least 1
     * @param body    called once per task, with a worker index below {@code workers}
     * @throws IllegalArgumentException if {@code workers < 1}
     */
    public static void forTasks(int n, int workers, TaskBody body) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        forRange(Math.min(Math.min(threads, workers), n), n > 1, (lo, hi) -> {
            for (int worker = lo; worker < hi; worker++) { // one worker per thread, except when run serially
                for (int task = next.getAndIncrement(); task < n && !failed.get(); task = next.getAndIncrement()) {
                    try {
                        body.run(worker, task);
                    } catch (RuntimeException | Error e) {
                        failed.set(true);
                        throw e;
                    }
                }
            }
        });
    }

    /**
     * Runs {@code body} over {@code [0, n)} split as {@link #forRange} does (one contiguous range per thread)
     * and each range cut into the fewest consecutive groups of at most {@code group} indices, of equal sizes
     * (differing by at most one), one call per group, in order. For work whose items are independent but which
     * runs best a few at a time on each thread (sampling and likelihood evaluation: rows of a batch); equal
     * groups, because a group's cost has a fixed part (e.g. reading the weights once per decoding step) that
     * a small last group would pay for little work.
     *
     * @param n     the number of indices
     * @param group the most indices per call, at least 1
     * @param body  called once per group with its half-open range
     * @throws IllegalArgumentException if {@code group < 1}
     */
    public static void forGroups(int n, int group, RangeBody body) {
        if (group < 1) {
            throw new IllegalArgumentException("group must be >= 1, got " + group);
        }
        forRange(n, n > 1, (lo, hi) -> {
            int groups = (hi - lo + group - 1) / group;
            for (int i = 0; i < groups; i++) {
                body.run(lo + (int) ((long) (hi - lo) * i / groups), lo + (int) ((long) (hi - lo) * (i + 1) / groups));
            }
        });
    }
}
