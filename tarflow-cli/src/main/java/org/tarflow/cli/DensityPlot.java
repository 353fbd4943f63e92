package org.tarflow.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.tarflow.io.AtomicFiles;

/**
 * A row of square panels over the same 2-D window: density heat maps and point scatters, each with a title,
 * the window's extent on its axes, written as one PNG (atomically). Used for the toy densities.
 */
public final class DensityPlot {
    private static final int PANEL = 320;
    private static final int MARGIN = 36;
    private static final int TITLE = 28;
    private static final Color[] MAP = { // a perceptually ordered dark-to-bright colour map (viridis-like)
        new Color(68, 1, 84), new Color(59, 82, 139), new Color(33, 145, 140), new Color(94, 201, 98),
        new Color(253, 231, 37)};

    private final double lo;
    private final double hi;
    private final List<Panel> panels = new ArrayList<>();

    private record Panel(String title, double[][] density, double[] points) {
    }

    /**
     * Starts an empty row of panels over the window [lo, hi]² (x to the right, y up).
     *
     * @param lo lower end of both axes
     * @param hi upper end of both axes
     * @throws IllegalArgumentException unless {@code hi > lo}
     */
    public DensityPlot(double lo, double hi) {
        if (!(hi > lo)) {
            throw new IllegalArgumentException("empty window [" + lo + ", " + hi + "]");
        }
        this.lo = lo;
        this.hi = hi;
    }

    /**
     * A heat map of a density sampled on a regular grid: {@code density[i][j]} at x = cell j, y = cell i (row 0
     * at the bottom), in any non-negative unit (shown linearly from 0 to its maximum); NaN cells are drawn grey.
     *
     * @param title   the panel's caption
     * @param density rows of cells over the window, all rows of one length
     * @return this plot, for chaining
     */
    public DensityPlot heatMap(String title, double[][] density) {
        panels.add(new Panel(title, density, null));
        return this;
    }

    /**
     * Adds a scatter of points; those outside the window are not drawn.
     *
     * @param title  the panel's caption
     * @param points coordinates x0, y0, x1, y1, ...
     * @return this plot, for chaining
     */
    public DensityPlot scatter(String title, double[] points) {
        panels.add(new Panel(title, null, points));
        return this;
    }

    /**
     * Renders the panels left to right and writes them as one PNG, atomically.
     *
     * @param file the PNG to create or replace
     * @throws IOException if the file cannot be written
     */
    public void write(Path file) throws IOException {
        int width = panels.size() * (PANEL + MARGIN) + MARGIN;
        int height = TITLE + PANEL + MARGIN;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (int p = 0; p < panels.size(); p++) {
            int x0 = MARGIN + p * (PANEL + MARGIN);
            Panel panel = panels.get(p);
            g.setColor(Color.BLACK);
            g.drawString(panel.title(), x0, TITLE - 9);
            if (panel.density() != null) {
                drawHeatMap(g, panel.density(), x0, TITLE);
            } else {
                drawScatter(g, panel.points(), x0, TITLE);
            }
            g.setColor(Color.DARK_GRAY);
            g.setStroke(new BasicStroke(1f));
            g.drawRect(x0, TITLE, PANEL, PANEL);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            String loText = String.format(Locale.ROOT, "%.1f", lo);
            String hiText = String.format(Locale.ROOT, "%.1f", hi);
            g.drawString(loText, x0, TITLE + PANEL + 14);
            g.drawString(hiText, x0 + PANEL - g.getFontMetrics().stringWidth(hiText), TITLE + PANEL + 14);
            g.drawString("x", x0 + PANEL / 2, TITLE + PANEL + 14);
            g.drawString(hiText, x0 - 4 - g.getFontMetrics().stringWidth(hiText), TITLE + 10);
            g.drawString(loText, x0 - 4 - g.getFontMetrics().stringWidth(loText), TITLE + PANEL);
            g.drawString("y", x0 - 14, TITLE + PANEL / 2);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        }
        g.dispose();
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG writer available");
            }
        });
    }

    private void drawHeatMap(Graphics2D g, double[][] d, int x0, int y0) {
        double max = 0;
        for (double[] row : d) {
            for (double v : row) {
                if (v > max) {
                    max = v;
                }
            }
        }
        int rows = d.length;
        int cols = d[0].length;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double v = d[i][j];
                g.setColor(Double.isNaN(v) ? Color.LIGHT_GRAY : colour(max > 0 ? v / max : 0));
                int px = x0 + j * PANEL / cols;
                int py = y0 + PANEL - (i + 1) * PANEL / rows;
                g.fillRect(px, py, x0 + (j + 1) * PANEL / cols - px, y0 + PANEL - i * PANEL / rows - py);
            }
        }
    }

    private void drawScatter(Graphics2D g, double[] pts, int x0, int y0) {
        g.setColor(new Color(240, 240, 240));
        g.fillRect(x0, y0, PANEL, PANEL);
        g.setColor(new Color(33, 90, 160, 110));
        for (int i = 0; i + 1 < pts.length; i += 2) {
            double fx = (pts[i] - lo) / (hi - lo);
            double fy = (pts[i + 1] - lo) / (hi - lo);
            if (fx >= 0 && fx <= 1 && fy >= 0 && fy <= 1) {
                g.fillOval(x0 + (int) (fx * PANEL) - 2, y0 + PANEL - (int) (fy * PANEL) - 2, 4, 4);
            }
        }
    }

    private static Color colour(double f) {
        double t = Math.max(0, Math.min(1, f)) * (MAP.length - 1);
        int k = Math.min(MAP.length - 2, (int) t);
        double u = t - k;
        Color a = MAP[k];
        Color b = MAP[k + 1];
        return new Color((int) Math.round(a.getRed() + u * (b.getRed() - a.getRed())),
                (int) Math.round(a.getGreen() + u * (b.getGreen() - a.getGreen())),
                (int) Math.round(a.getBlue() + u * (b.getBlue() - a.getBlue())));
    }
}
