package org.tarflow.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.tarflow.io.AtomicFiles;

/**
 * A line chart with labelled axes (the labels carry the units), one or more series drawn as lines with
 * markers, and optional horizontal reference lines, written as a PNG with JFreeChart (headless). The
 * y axis is not forced to include zero, so that small differences stay visible.
 */
public final class LineChart {
    private static final int WIDTH = 720;
    private static final int HEIGHT = 440;
    /** Okabe–Ito colours, distinguishable with the common colour-vision deficiencies and on white. */
    private static final Color[] PALETTE = {new Color(0x0072B2), new Color(0xE69F00), new Color(0x009E73),
        new Color(0xCC79A7), new Color(0xD55E00), new Color(0x56B4E9)};

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean integerX;
    private final XYSeriesCollection series = new XYSeriesCollection();
    private final List<ValueMarker> references = new ArrayList<>();

    /**
     * An empty chart.
     *
     * @param title    the chart's title
     * @param xLabel   x axis label with its unit, e.g. "epoch"
     * @param yLabel   y axis label with its unit, e.g. "loss (nats per dimension)"
     * @param integerX tick the x axis at whole numbers only (epochs)
     */
    public LineChart(String title, String xLabel, String yLabel, boolean integerX) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.integerX = integerX;
    }

    /**
     * {@return this chart, with a series added; points with a non-finite coordinate are left out}
     *
     * @param name the legend entry
     * @param x    the x values
     * @param y    the y values, as many
     * @throws IllegalArgumentException if the lengths differ
     */
    public LineChart series(String name, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("series " + name + ": " + x.length + " x values for " + y.length + " y values");
        }
        XYSeries s = new XYSeries(name, false, true);
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                s.add(x[i], y[i]);
            }
        }
        series.addSeries(s);
        return this;
    }

    /**
     * {@return this chart, with a dashed horizontal line at {@code y}}
     *
     * @param label the line's label, drawn above its left end
     * @param y     its height; the y axis is widened to show it
     */
    public LineChart reference(String label, double y) {
        ValueMarker m = new ValueMarker(y, Color.DARK_GRAY, new BasicStroke(1.2f, BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        m.setLabel(label);
        m.setLabelAnchor(org.jfree.chart.ui.RectangleAnchor.TOP_LEFT);
        m.setLabelTextAnchor(org.jfree.chart.ui.TextAnchor.BOTTOM_LEFT);
        references.add(m);
        return this;
    }

    /** The chart as JFreeChart builds it. */
    JFreeChart build() {
        NumberAxis x = new NumberAxis(xLabel);
        x.setAutoRangeIncludesZero(false);
        if (integerX) {
            x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        }
        NumberAxis y = new NumberAxis(yLabel);
        y.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < series.getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        XYPlot plot = new XYPlot(series, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        if (!references.isEmpty()) {
            // markers do not take part in the automatic range: widen it so that every reference line shows
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (ValueMarker m : references) {
                plot.addRangeMarker(m);
                lo = Math.min(lo, m.getValue());
                hi = Math.max(hi, m.getValue());
            }
            if (series.getSeriesCount() > 0 && series.getItemCount(0) > 0) {
                lo = Math.min(lo, series.getRangeLowerBound(false));
                hi = Math.max(hi, series.getRangeUpperBound(false));
            }
            double pad = Math.max(1e-9, 0.08 * (hi - lo));
            y.setRange(lo - pad, hi + pad);
        }
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /**
     * Writes the chart as a PNG atomically ({@link AtomicFiles}).
     *
     * @param file the PNG to write
     * @throws IOException if it cannot be written
     */
    public void writePng(Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        JFreeChart chart = build();
        AtomicFiles.write(file, out -> ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT));
    }
}
