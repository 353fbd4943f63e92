package org.tarflow.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tarflow.TestTensors.forEachThreadCount;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

    /** Every task runs exactly once, on a worker index below the worker count asked for, for any thread count. */
    @Test
    void forTasksRunsEveryTaskOnceOnAValidWorker() throws Exception {
        forEachThreadCount(new int[] {1, 2, 3}, threads -> {
            for (int n : new int[] {0, 1, 2, 7}) {
                AtomicIntegerArray runs = new AtomicIntegerArray(n);
                int workers = Math.max(1, threads - 1);
                Parallel.forTasks(n, workers, (worker, task) -> {
                    assertTrue(worker >= 0 && worker < workers, "worker " + worker);
                    runs.incrementAndGet(task);
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, runs.get(i), "task " + i + " of " + n + " on " + threads + " threads");
                }
            }
        });
    }

    /**
     * forGroups covers every index once, in groups of at most the given size; within a thread's range the
     * groups are as few as possible and differ in size by at most one (no small last group).
     */
    @Test
    void forGroupsCutsEachThreadsRangeIntoEqualGroups() throws Exception {
        forEachThreadCount(new int[] {1, 2, 3}, threads -> {
            for (int n : new int[] {1, 7, 50, 100, 101}) {
                for (int group : new int[] {1, 10, 20, 200}) {
                    AtomicIntegerArray seen = new AtomicIntegerArray(n);
                    java.util.List<int[]> calls = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
                    Parallel.forGroups(n, group, (lo, hi) -> {
                        calls.add(new int[] {lo, hi});
                        for (int i = lo; i < hi; i++) {
                            seen.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, seen.get(i), "index " + i);
                    }
                    int parts = Math.min(threads, n);
                    for (int p = 0; p < parts; p++) {
                        int lo = (int) ((long) n * p / parts);
                        int hi = (int) ((long) n * (p + 1) / parts);
                        int min = Integer.MAX_VALUE;
                        int max = 0;
                        int count = 0;
                        for (int[] c : calls) {
                            if (c[0] >= lo && c[1] <= hi) {
                                min = Math.min(min, c[1] - c[0]);
                                max = Math.max(max, c[1] - c[0]);
                                count++;
                            }
                        }
                        String what = n + " in groups of " + group + " on " + threads + " threads, range " + p;
                        assertEquals((hi - lo + group - 1) / group, count, what);
                        assertTrue(max <= group && max - min <= 1, what + ": sizes " + min + ".." + max);
                    }
                }
            }
        });
    }

    /**
     * Loops inside a task run on the task's thread alone (worker 0 of the inner loop); a failing task stops
     * the loop and its exception reaches the caller.
     */
    @Test
    void forTasksKeepsNestedLoopsSerialAndRethrows() throws Exception {
        forEachThreadCount(new int[] {2}, threads -> {
            Parallel.forTasks(4, 2, (worker, task) -> Parallel.forTasks(3, 2, (inner, t) -> assertEquals(0, inner)));
            IllegalStateException boom = new IllegalStateException("task 3");
            java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
            assertSame(boom, assertThrows(IllegalStateException.class, () -> Parallel.forTasks(1000, 2, (worker, task) -> {
                started.incrementAndGet();
                if (task == 3) {
                    throw boom;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // tasks that take time, as real ones do
            })));
            // after the failure no new task starts: at most the one running on the other thread finishes
            assertTrue(started.get() < 1000, started.get() + " tasks started");
        });
    }

    /**
     * The hand-off between the caller and the spinning or parked workers loses no wake-up: many loops, each
     * after a pause drawn around the spin time (so that the workers are sometimes spinning, sometimes parking,
     * sometimes parked), all complete with every index covered once. A lost wake-up hangs the loop, which
     * {@link #onThreadsWithin} turns into a failure.
     */
    @Test
    void loopsAfterPausesOfEveryLengthComplete() throws Throwable {
        for (int threads : new int[] {2, 3}) {
            onThreadsWithin(threads, 60, () -> {
                java.util.SplittableRandom rng = new java.util.SplittableRandom(threads);
                for (int loop = 0; loop < 400; loop++) {
                    int n = 1 + rng.nextInt(9);
                    AtomicIntegerArray seen = new AtomicIntegerArray(n);
                    Parallel.forRange(n, true, (lo, hi) -> {
                        for (int i = lo; i < hi; i++) {
                            seen.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, seen.get(i), "loop " + loop + ", index " + i + " of " + n);
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos((long) (rng.nextDouble() * 2.5 * Parallel.SPIN_NANOS));
                }
            }, "400 parallel loops on " + threads + " threads (a lost wake-up?)");
        }
    }

    /**
     * Two application threads may run parallel loops at once (one holds the workers, the other runs its loop
     * serially meanwhile); a range that throws reaches its own caller only, and the pool keeps working.
     */
    @Test
    void concurrentCallersEachGetTheirOwnResultsAndFailures() throws Throwable {
        onThreadsWithin(2, 60, () -> {
            java.util.concurrent.atomic.AtomicReference<Throwable> other = new java.util.concurrent.atomic.AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    for (int loop = 0; loop < 300; loop++) {
                        long[] sum = new long[2];
                        Parallel.forRange(2, true, (lo, hi) -> {
                            for (int i = lo; i < hi; i++) {
                                sum[i] = i + 10;
                            }
                        });
                        assertEquals(21, sum[0] + sum[1]);
                    }
                } catch (Throwable e) {
                    other.set(e);
                }
            });
            t.start();
            for (int loop = 0; loop < 300; loop++) {
                IllegalArgumentException boom = new IllegalArgumentException("range 1");
                assertSame(boom, assertThrows(IllegalArgumentException.class, () -> Parallel.forRange(2, true, (lo, hi) -> {
                    if (lo <= 1 && 1 < hi) {
                        throw boom; // on the worker, or here when the other caller holds the workers
                    }
                })));
            }
            t.join();
            assertEquals(null, other.get());
            // alone again, this caller holds the workers for sure (above, the other caller may have held them
            // for every loop): range 1, the worker's, still reaches it
            IllegalArgumentException onWorker = new IllegalArgumentException("range 1, on the worker");
            assertSame(onWorker, assertThrows(IllegalArgumentException.class, () -> Parallel.forRange(2, true, (lo, hi) -> {
                if (lo == 1) {
                    assertEquals("tarflow-worker-0", Thread.currentThread().getName());
                    throw onWorker;
                }
            })));
        }, "two concurrent callers");
    }

    /** A new thread count retires the old workers: their threads end instead of spinning or parking forever. */
    @Test
    void changingTheThreadCountRetiresTheOldWorkers() throws Exception {
        forEachThreadCount(new int[] {3, 2}, threads -> {
            Parallel.forRange(threads, true, (lo, hi) -> { });
            long deadline = System.nanoTime() + 10_000_000_000L;
            long alive;
            do {
                alive = Thread.getAllStackTraces().keySet().stream()
                        .filter(th -> th.getName().startsWith("tarflow-worker-") && th.isAlive()).count();
                if (alive == threads - 1) {
                    break;
                }
                Thread.sleep(10);
            } while (System.nanoTime() < deadline);
            assertEquals(threads - 1, alive, "worker threads alive with " + threads + " threads");
        });
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> void sneakyThrow(Throwable e) throws E {
        throw (E) e;
    }

    /**
     * Whatever leaves the caller's own range (here a checked exception that the body's type does not declare)
     * is rethrown only after the workers' ranges have finished, so the next loop finds its workers idle: every
     * index of it runs once and no failure of the first loop leaks into it.
     */
    @Test
    void aCheckedExceptionFromTheCallersRangeLeavesNoJobInFlight() throws Exception {
        forEachThreadCount(new int[] {2}, threads -> {
            java.io.IOException io = new java.io.IOException("caller's range");
            IllegalStateException wrapped = assertThrows(IllegalStateException.class, () -> Parallel.forRange(2, true, (lo, hi) -> {
                if (lo == 0) {
                    sneakyThrow(io);
                }
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000); // the worker is still busy when it is thrown
                throw new IllegalArgumentException("worker's range, reported with the first loop only");
            }));
            assertSame(io, wrapped.getCause());
            AtomicIntegerArray seen = new AtomicIntegerArray(2);
            Parallel.forRange(2, true, (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    seen.incrementAndGet(i);
                }
            });
            assertEquals(1, seen.get(0));
            assertEquals(1, seen.get(1));
        });
    }

    /** A test step that may throw anything (an assertion, an interruption). */
    @FunctionalInterface
    private interface Step {
        void run() throws Throwable;
    }

    /**
     * Runs {@code body} on a thread of its own with {@link Parallel} set to {@code threads}, rethrows what it
     * threw, and fails if it has not finished after {@code seconds}. A hang in a parallel loop holds the
     * dispatch lock, and so would every later loop and {@code setThreads} in this JVM: after one the thread
     * count is left as it is (restoring it would wait for that lock) and the test fails instead of hanging.
     */
    private static void onThreadsWithin(int threads, int seconds, Step body, String what) throws Throwable {
        int previous = Parallel.threads();
        Parallel.setThreads(threads);
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.setDaemon(true);
        t.start();
        t.join(seconds * 1000L);
        assertTrue(!t.isAlive(), what + " did not finish in " + seconds + " s: a deadlock");
        Parallel.setThreads(previous);
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /** Changing the thread count from inside a range is refused (its workers must stay), on either thread. */
    @Test
    void setThreadsInsideALoopIsRefused() throws Throwable {
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        onThreadsWithin(2, 30, () -> Parallel.forRange(2, true, (lo, hi) -> {
            try {
                Parallel.setThreads(3);
            } catch (IllegalStateException e) {
                refused.incrementAndGet();
            }
        }), "setThreads inside a range");
        assertEquals(2, refused.get());
    }

    /**
     * A range that waits for another thread which runs a parallel loop itself does not deadlock: that loop runs
     * serially on its thread while this one holds the workers.
     */
    @Test
    void aLoopOnAnotherThreadStartedFromARangeCompletes() throws Throwable {
        AtomicIntegerArray seen = new AtomicIntegerArray(4);
        onThreadsWithin(2, 30, () -> Parallel.forRange(2, true, (lo, hi) -> {
            if (lo == 0) {
                Thread other = new Thread(() -> Parallel.forRange(4, true, (a, b) -> {
                    for (int i = a; i < b; i++) {
                        seen.incrementAndGet(i);
                    }
                }));
                other.start();
                try {
                    other.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }), "a loop on another thread started from a range");
        for (int i = 0; i < 4; i++) {
            assertEquals(1, seen.get(i), "index " + i);
        }
    }

    /** A caller interrupted while it waits still waits for every range, then says so and keeps the flag set. */
    @Test
    void anInterruptedCallerWaitsThenReportsTheInterrupt() throws Exception {
        forEachThreadCount(new int[] {2}, threads -> {
            AtomicIntegerArray done = new AtomicIntegerArray(2);
            Thread.currentThread().interrupt();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(2, true, (lo, hi) -> {
                if (lo == 1) {
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                }
                done.set(lo, 1);
            }));
            assertTrue(Thread.interrupted(), "the interrupt flag is set again (and cleared here)");
            assertEquals("parallel loop interrupted", e.getMessage());
            assertEquals(1, done.get(1), "the worker's range had finished when the loop returned");
        });
    }
}
