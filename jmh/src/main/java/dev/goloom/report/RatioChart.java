package dev.goloom.report;

import dev.goloom.report.AnchorReport.Data;
import dev.goloom.report.AnchorReport.Result;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The ratio chart: a self-contained SVG (no scripts, fonts, styles or images from elsewhere) with one group of
 * horizontal bars per workload, one bar per side goloom is compared with, each bar drawn from the 1.0 line to
 * goloom's ratio on a log scale (base 2), so "half the time" and "twice the time" are equally long. The value and
 * the side's name are written beside every bar; a side without figures gets a grey "-" and the reason.
 */
final class RatioChart {
    private RatioChart() {
    }

    /**
     * One bar.
     *
     * @param side     the side's name, written beside the bar
     * @param ratio    goloom's figure over the side's (below 1: goloom better); NaN for no bar
     * @param cpuRatio goloom's CPU figure over the side's, written beside the bar; NaN for none
     * @param absent   why there is no bar (when {@code ratio} is NaN)
     */
    record Bar(String side, double ratio, double cpuRatio, String absent) {
    }

    /**
     * One workload's bars.
     *
     * @param name    the workload's name
     * @param caption a second line under the name (the unit)
     * @param bars    one per side, in legend order
     */
    record Group(String name, String caption, List<Bar> bars) {
    }

    /** Sides' colours, in legend order (Okabe-Ito, readable for colour-blind readers). */
    static final String[] COLOURS = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"};

    static final int WIDTH = 1040;
    private static final int PLOT_X0 = 190, PLOT_X1 = 700, VALUE_X = 714;
    private static final int BAR_H = 12, BAR_STEP = 16, GROUP_GAP = 14;
    /** The scale never goes beyond 1/64..64; a bar beyond is cut at the edge (its value is still written). */
    private static final int MAX_EXP = 6;

    /** The chart of a report: goloom against JDK, j.u.c, jox and Go, one group per workload that ran. */
    static String forReport(Data d) {
        Column[] others = {Column.JDK, Column.JUC, Column.JOX, Column.GO};
        List<Group> groups = new ArrayList<>();
        boolean inverted = false;
        for (Result r : d.results()) {
            if (r.problem() != null) {
                continue;
            }
            Workload w = r.w();
            List<Bar> bars = new ArrayList<>();
            for (Column c : others) {
                double ratio = r.ratio(c);
                if (Double.isNaN(ratio)) {
                    String why = c == Column.GO ? (w.goAnchor() ? "no Go figures" : "no Go twin") : "no twin";
                    bars.add(new Bar(c.label, Double.NaN, Double.NaN, why));
                } else {
                    // CPU per request is lower-is-better even where the workload's unit is a rate
                    bars.add(new Bar(c.rowLabel(w), w.higherIsBetter() ? 1 / ratio : ratio, r.cpuRatio(c), null));
                }
            }
            inverted |= w.higherIsBetter();
            groups.add(new Group(w.name(), w.higherIsBetter() ? w.unit() + ", inverted" : w.unit(), bars));
        }
        List<String> legend = List.of(Column.JDK.rowLabel, "JDK + j.u.c queue", Column.JOX.rowLabel, "Go");
        String when = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
                .format(d.started().atOffset(ZoneOffset.UTC));
        List<String> sub = new ArrayList<>();
        sub.add("Machine: " + d.machine().summary());
        sub.add(String.format(Locale.ROOT, "Run: %s, median of %d rounds after %d warm-up, %s. Log scale (base 2): "
                        + "bars left of 1.0 mean goloom is faster (or smaller).",
                d.opts().quick() ? "--quick sizes" : "full sizes", d.opts().rounds(), d.opts().warmups(), when));
        if (inverted) {
            sub.add("Rates (req/s) are inverted (side / goloom), so that left of 1.0 is better there too.");
        }
        return svg("goloom's median over each side's, per workload (wall time; parked: memory)", sub, legend,
                groups);
    }

    /**
     * The chart.
     *
     * @param title    the first line
     * @param subtitle lines under it (machine, run, scale)
     * @param legend   the sides, in the order of each group's bars (a colour each)
     * @param groups   one per workload, top to bottom
     */
    static String svg(String title, List<String> subtitle, List<String> legend, List<Group> groups) {
        int[] exps = scale(groups);
        int lo = exps[0], hi = exps[1];
        int y = 28;
        StringBuilder b = new StringBuilder();
        int legendY = y + 10 + 16 * subtitle.size() + 8;
        int axisY = legendY + 44;
        int plotTop = axisY + 8;
        int height = plotTop;
        for (Group g : groups) {
            height += g.bars().size() * BAR_STEP + GROUP_GAP;
        }
        int plotBottom = height;
        height += 58;

        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n");
        b.append("<title>").append(xml(title)).append("</title>\n");
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        text(b, 16, y, "font-size=\"17\" font-weight=\"bold\"", title);
        for (String line : subtitle) {
            y += 16;
            text(b, 16, y, "fill=\"#444444\"", line);
        }
        int lx = 16;
        for (int i = 0; i < legend.size(); i++) {
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>%n",
                    lx, legendY - 10, colour(i)));
            text(b, lx + 17, legendY, "", legend.get(i));
            lx += 30 + 7 * legend.get(i).length();
        }

        // axis: grid and tick labels at every power of two, the 1.0 line over them
        text(b, x(1, lo, hi) - 8, axisY - 20, "text-anchor=\"end\" fill=\"#444444\"", "\u2190 goloom better");
        text(b, x(1, lo, hi) + 8, axisY - 20, "fill=\"#444444\"", "goloom worse \u2192");
        for (int e = lo; e <= hi; e++) {
            double xe = x(Math.pow(2, e), lo, hi);
            if (e != 0) {
                b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                        + "stroke=\"#dddddd\" stroke-dasharray=\"3,3\"/>%n", xe, plotTop - 4, xe, plotBottom));
            }
            text(b, xe, axisY, "text-anchor=\"middle\" fill=\"#444444\"", tick(e));
            text(b, xe, plotBottom + 16, "text-anchor=\"middle\" fill=\"#444444\"", tick(e));
        }

        int gy = plotTop;
        for (Group g : groups) {
            b.append("<g class=\"workload\" data-workload=\"").append(xml(g.name())).append("\">\n");
            text(b, PLOT_X0 - 12, gy + 11, "text-anchor=\"end\" font-weight=\"bold\" font-size=\"13\"", g.name());
            text(b, PLOT_X0 - 12, gy + 26, "text-anchor=\"end\" fill=\"#666666\" font-size=\"11\"", g.caption());
            for (int i = 0; i < g.bars().size(); i++) {
                Bar bar = g.bars().get(i);
                int by = gy + i * BAR_STEP;
                if (Double.isNaN(bar.ratio())) {
                    text(b, VALUE_X, by + 10, "fill=\"#999999\"", "-  " + bar.side() + ": " + bar.absent());
                    continue;
                }
                double x1 = x(1, lo, hi), xr = x(bar.ratio(), lo, hi);
                b.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
                                + "height=\"%d\" fill=\"%s\"><title>%s</title></rect>%n", Math.min(x1, xr), by,
                        Math.max(1, Math.abs(xr - x1)), BAR_H, colour(i),
                        xml(g.name() + ", goloom / " + bar.side() + ": " + ratio(bar.ratio()))));
                text(b, VALUE_X, by + 10, "", ratio(bar.ratio()) + "  " + bar.side()
                        + (Double.isNaN(bar.cpuRatio()) ? "" : "  (CPU " + ratio(bar.cpuRatio()) + ")"));
            }
            b.append("</g>\n");
            gy += g.bars().size() * BAR_STEP + GROUP_GAP;
        }
        double one = x(1, lo, hi);
        b.append(String.format(Locale.ROOT, "<line class=\"one\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                + "stroke=\"#222222\" stroke-width=\"1.5\"/>%n", one, plotTop - 6, one, plotBottom));
        text(b, 16, height - 24, "fill=\"#666666\" font-size=\"11\"", "Bars run from 1.0 (the same as the side) to "
                + "goloom's ratio; log scale, base 2. (CPU x): goloom's process CPU per operation over the side's.");
        text(b, 16, height - 10, "fill=\"#666666\" font-size=\"11\"", "Written by dev.goloom.report.Main "
                + "(mvn -B -q compile exec:exec); report.json beside it has every round's figures.");
        b.append("</svg>\n");
        return b.toString();
    }

    /** The scale's bounds as powers of two: covering every ratio and at least 1/2..2, at most 1/64..64. */
    static int[] scale(List<Group> groups) {
        double min = 1, max = 1;
        for (Group g : groups) {
            for (Bar bar : g.bars()) {
                if (Double.isFinite(bar.ratio()) && bar.ratio() > 0) {
                    min = Math.min(min, bar.ratio());
                    max = Math.max(max, bar.ratio());
                }
            }
        }
        int lo = Math.max(-MAX_EXP, Math.min(-1, (int) Math.floor(log2(min))));
        int hi = Math.min(MAX_EXP, Math.max(1, (int) Math.ceil(log2(max))));
        return new int[] {lo, hi};
    }

    /** The x of {@code ratio} on the scale 2^lo..2^hi, cut at its edges. */
    static double x(double ratio, int lo, int hi) {
        double e = ratio > 0 ? log2(ratio) : lo;
        e = Math.max(lo, Math.min(hi, e));
        return PLOT_X0 + (e - lo) / (hi - lo) * (PLOT_X1 - PLOT_X0);
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }

    private static String tick(int e) {
        return e >= 0 ? String.valueOf(1L << e) : "1/" + (1L << -e);
    }

    private static String ratio(double r) {
        return String.format(Locale.ROOT, r >= 10 ? "%.1f" : "%.2f", r);
    }

    private static String colour(int i) {
        return COLOURS[i % COLOURS.length];
    }

    private static void text(StringBuilder b, double x, int y, String attrs, String s) {
        b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\"%s>", x, y, attrs.isEmpty() ? "" : " " + attrs))
                .append(xml(s)).append("</text>\n");
    }

    /** {@code s} escaped for XML text and attribute values. */
    static String xml(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> {
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                        b.append(' '); // not allowed in XML 1.0 at all
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
