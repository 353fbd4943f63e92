package org.tarflow.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tarflow.eval.GuidanceSweep;
import org.tarflow.flow.GuidanceRule;
import org.tarflow.io.AtomicFiles;
import org.tarflow.io.ImageGrid;
import org.tarflow.tensor.Tensor;

/**
 * The files of a guidance sweep in a directory: one sample grid per setting ({@code grids/NAME.png}, one class
 * per row), the table as Markdown and CSV, and two plots (Fréchet distance and judge accuracy against the
 * guidance weight). Keeps every variant's samples for later checks (the nearest-neighbour search).
 */
final class SweepOutput implements GuidanceSweep.SampleSink {
    static final String GRIDS = "grids";
    static final String FD_PLOT = "sweep-frechet.png";
    static final String ACCURACY_PLOT = "sweep-accuracy.png";
    private static final int PER_ROW = 10;

    private final Path dir;
    private final int classes;
    private final Map<String, Tensor> samples = new LinkedHashMap<>();

    /** @param classes K of a conditional model, 0 for an unconditional one (grids of 10 per row) */
    SweepOutput(Path dir, int classes) {
        this.dir = dir;
        this.classes = classes;
    }

    static String name(GuidanceSweep.Setting s, boolean denoised) {
        return s.name() + (denoised ? "-denoised" : "");
    }

    /** Relative path of a variant's grid inside the directory. */
    static String gridPath(GuidanceSweep.Setting s, boolean denoised) {
        return GRIDS + "/" + name(s, denoised) + ".png";
    }

    @Override
    public void accept(GuidanceSweep.Setting setting, boolean denoised, Tensor x, int[] labels) throws IOException {
        samples.put(name(setting, denoised), x);
        ImageGrid.write(dir.resolve(gridPath(setting, denoised)), byClass(x, labels), PER_ROW);
    }

    /** The samples of a variant. */
    Tensor samples(GuidanceSweep.Row row) {
        return samples.get(name(row.setting(), row.denoised()));
    }

    /** Up to 10 samples of each class, one class per row (the first 100 samples without labels). */
    private Tensor byClass(Tensor x, int[] labels) {
        int n = x.dim(0);
        int per = x.size() / n;
        int[] pick;
        if (labels == null || classes == 0) {
            pick = org.tarflow.eval.Indices.range(0, Math.min(n, PER_ROW * PER_ROW));
        } else {
            int cols = Math.max(1, Math.min(PER_ROW, n / classes));
            java.util.List<Integer> chosen = new java.util.ArrayList<>();
            for (int c = 0; c < classes; c++) {
                int taken = 0;
                for (int i = 0; i < n && taken < cols; i++) {
                    if (labels[i] == c) {
                        chosen.add(i);
                        taken++;
                    }
                }
            }
            pick = chosen.stream().mapToInt(Integer::intValue).toArray();
        }
        int[] shape = x.shape().clone();
        shape[0] = pick.length;
        Tensor out = Tensor.zeros(x.dtype(), shape);
        for (int r = 0; r < pick.length; r++) {
            for (int j = 0; j < per; j++) {
                out.set(r * per + j, x.get(pick[r] * per + j));
            }
        }
        return out;
    }

    /** The row with the smallest Fréchet distance. */
    static GuidanceSweep.Row best(List<GuidanceSweep.Row> rows) {
        GuidanceSweep.Row best = rows.get(0);
        for (GuidanceSweep.Row r : rows) {
            if (r.frechet() < best.frechet()) {
                best = r;
            }
        }
        return best;
    }

    /** The table in Markdown, with each row's grid linked relative to {@code dir} from {@code prefix}. */
    static String markdownTable(List<GuidanceSweep.Row> rows, String prefix) {
        StringBuilder sb = new StringBuilder();
        sb.append("| guidance w | schedule | denoised | samples | redrawn (NaN/inf) | judge accuracy on samples | Fréchet distance | time (s) | grid |\n");
        sb.append("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for (GuidanceSweep.Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %d | %s | %.3f | %.1f | [%s](%s%s) |%n",
                    GuidanceSweep.trim(r.setting().weight()), schedule(r.setting()), r.denoised() ? "yes" : "no", r.samples(), r.redrawn(),
                    Double.isNaN(r.sampleAccuracy()) ? "–" : String.format(Locale.ROOT, "%.1f%%", 100 * r.sampleAccuracy()),
                    r.frechet(), r.seconds(), name(r.setting(), r.denoised()), prefix, gridPath(r.setting(), r.denoised())));
        }
        return sb.toString();
    }

    /** {@return "constant" or "annealed", with the rule when it is not the reference's; "–" without guidance} */
    static String schedule(GuidanceSweep.Setting s) {
        return s.weight() == 0 ? "–" : (s.annealed() ? "annealed" : "constant")
                + (s.rule() == GuidanceRule.REFERENCE ? "" : " " + s.rule().label());
    }

    /** Writes sweep.csv, and the two plots; {@code realAccuracy} (NaN if none) is drawn as a reference line. */
    void writeTableAndPlots(List<GuidanceSweep.Row> rows, double realAccuracy, double frechetFloor) throws IOException {
        StringBuilder csv = new StringBuilder("weight,schedule,denoised,samples,redrawn,sample_accuracy,frechet,seconds,grid\n");
        for (GuidanceSweep.Row r : rows) {
            csv.append(String.format(Locale.ROOT, "%s,%s,%b,%d,%d,%s,%.6f,%.3f,%s%n", GuidanceSweep.trim(r.setting().weight()),
                    r.setting().weight() == 0 ? "none" : schedule(r.setting()), r.denoised(), r.samples(), r.redrawn(),
                    Double.isNaN(r.sampleAccuracy()) ? "" : String.format(Locale.ROOT, "%.6f", r.sampleAccuracy()),
                    r.frechet(), r.seconds(), gridPath(r.setting(), r.denoised())));
        }
        byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(dir.resolve("sweep.csv"), out -> out.write(bytes));
        LineChart fd = new LineChart("Fréchet distance of samples to real test images", "guidance weight w",
                "Fréchet distance (squared patch-feature units)", false);
        LineChart acc = new LineChart("Judge classifier accuracy on class-conditional samples", "guidance weight w",
                "judge accuracy (% of samples)", false);
        for (boolean annealed : new boolean[] {false, true}) {
            for (boolean denoised : new boolean[] {false, true}) {
                List<GuidanceSweep.Row> line = rows.stream().filter(r -> r.denoised() == denoised
                        && (r.setting().weight() == 0 || r.setting().annealed() == annealed)).toList();
                if (line.stream().noneMatch(r -> r.setting().weight() > 0) && annealed) {
                    continue; // no annealed weights: weight 0 alone is already in the constant line
                }
                if (line.isEmpty()) {
                    continue;
                }
                String label = (annealed ? "annealed" : "constant") + (denoised ? ", denoised" : ", not denoised");
                double[] w = line.stream().mapToDouble(r -> r.setting().weight()).toArray();
                fd.series(label, w, line.stream().mapToDouble(GuidanceSweep.Row::frechet).toArray());
                acc.series(label, w, line.stream().mapToDouble(r -> 100 * r.sampleAccuracy()).toArray());
            }
        }
        if (Double.isFinite(frechetFloor)) {
            fd.reference("real training images (same count): floor of the estimate", frechetFloor);
        }
        fd.writePng(dir.resolve(FD_PLOT));
        if (!Double.isNaN(realAccuracy)) {
            acc.reference("real test images", 100 * realAccuracy);
            acc.writePng(dir.resolve(ACCURACY_PLOT));
        }
    }
}
