package org.tarflow.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainLogTest {
    @TempDir
    Path dir;

    @Test
    void epochsInOrderTheLaterLineWinsAndMissingValuesAreNaN() throws IOException {
        Path f = Files.writeString(dir.resolve("train-log.jsonl"), """
                {"epoch":2,"loss":-1.5,"test_bpd_subset":5.6}
                {"epoch":1,"loss":-1.0}

                {"epoch":2,"loss":-1.6,"test_bpd_subset":5.5,"skipped_steps":3}
                """);
        List<TrainLog.Epoch> e = TrainLog.read(f);
        assertEquals(List.of(new TrainLog.Epoch(1, -1.0, Double.NaN), new TrainLog.Epoch(2, -1.6, 5.5)), e);
    }

    @Test
    void aLineThatIsNotARecordNamesTheFileAndLine() throws IOException {
        Path f = Files.writeString(dir.resolve("log.jsonl"), "{\"epoch\":1}\n{\"loss\":2}\n");
        IOException e = assertThrows(IOException.class, () -> TrainLog.read(f));
        assertTrue(e.getMessage().contains("log.jsonl: line 2"), e.getMessage());
    }
}
