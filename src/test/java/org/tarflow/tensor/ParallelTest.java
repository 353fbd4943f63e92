package org.tarflow.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

    /** Every task runs exactly once, on a worker index below the thread count, for any thread count. */
    @Test
    void forTasksRunsEveryTaskOnceOnAValidWorker() {
        int previous = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                for (int n : new int[] {0, 1, 2, 7}) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(n);
                    Parallel.forTasks(n, (worker, task) -> {
                        assertTrue(worker >= 0 && worker < threads, "worker " + worker);
                        runs.incrementAndGet(task);
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, runs.get(i), "task " + i + " of " + n + " on " + threads + " threads");
                    }
                }
            }
        } finally {
            Parallel.setThreads(previous);
        }
    }

    /** Loops inside a task run on the task's thread alone (worker 0 of the inner loop), and errors reach the caller. */
    @Test
    void forTasksKeepsNestedLoopsSerialAndRethrows() {
        int previous = Parallel.threads();
        try {
            Parallel.setThreads(2);
            Parallel.forTasks(4, (worker, task) -> Parallel.forTasks(3, (inner, t) -> assertEquals(0, inner)));
            IllegalStateException boom = new IllegalStateException("task 3");
            assertSame(boom, assertThrows(IllegalStateException.class, () -> Parallel.forTasks(5, (worker, task) -> {
                if (task == 3) {
                    throw boom;
                }
            })));
        } finally {
            Parallel.setThreads(previous);
        }
    }
}
