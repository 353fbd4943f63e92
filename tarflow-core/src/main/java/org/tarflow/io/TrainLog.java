package org.tarflow.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code train-log.jsonl}, the per-epoch log that {@code train.Trainer} appends to: one JSON object
 * per line with at least {@code epoch}; {@code loss} (the training loss, nats per dimension, mean over the
 * epoch's steps) and {@code test_bpd_subset} (bits/dim on the first test images after the epoch) may be
 * absent. A resumed run can log an epoch twice; the later line wins.
 */
public final class TrainLog {
    private TrainLog() {
    }

    /**
     * One epoch's line.
     *
     * @param epoch   1-based
     * @param loss    mean training loss over the epoch in nats/dim, NaN if not logged
     * @param testBpd test bits/dim on the evaluation subset, NaN if not logged
     */
    public record Epoch(int epoch, double loss, double testBpd) {
    }

    /**
     * Reads a training log.
     *
     * @param file the log
     * @return the epochs in order
     * @throws IOException naming the file and line of anything that is not such a JSON object
     */
    public static List<Epoch> read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        java.util.TreeMap<Integer, Epoch> byEpoch = new java.util.TreeMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                int epoch = o.get("epoch").getAsInt();
                byEpoch.put(epoch, new Epoch(epoch, number(o, "loss"), number(o, "test_bpd_subset")));
            } catch (RuntimeException e) {
                throw new IOException(file + ": line " + (i + 1) + " is not a training-log record with an epoch", e);
            }
        }
        return new ArrayList<>(byEpoch.values());
    }

    private static double number(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? Double.NaN : e.getAsDouble();
    }
}
