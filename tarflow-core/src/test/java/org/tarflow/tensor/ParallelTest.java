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
}
