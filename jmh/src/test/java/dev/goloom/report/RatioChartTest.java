package dev.goloom.report;

import dev.goloom.report.AnchorReport.Data;
import dev.goloom.report.AnchorReport.Result;
import dev.goloom.report.AnchorReport.Series;
import dev.goloom.report.RatioChart.Bar;
import dev.goloom.report.RatioChart.Group;
import dev.goloom.report.Workload.Twin;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RatioChartTest {

    private static final List<String> LEGEND = List.of("JDK", "j.u.c", "jox", "Go");

    @Test
    void drawsOneGroupPerWorkloadInOrder() throws Exception {
        List<Group> groups = List.of(
                group("pingpong", 0.45, 2.24, 0.57, 1.73),
                group("a<b & \"c\"", 0.5, Double.NaN, 0.25, 1.0),
                group("skynet", 0.41, 0.9, 0.3, 0.91));
        Document svg = parse(RatioChart.svg("title", List.of("machine"), LEGEND, groups));

        List<Element> gs = byClass(svg, "g", "workload");
        assertThat(gs).extracting(g -> g.getAttribute("data-workload"))
                .containsExactly("pingpong", "a<b & \"c\"", "skynet");
        // one bar per figure; the missing one is written as "-" with its reason instead
        assertThat(byClass(gs.get(0), "rect", "bar")).hasSize(4);
        assertThat(byClass(gs.get(1), "rect", "bar")).hasSize(3);
        assertThat(gs.get(1).getTextContent()).contains("-  j.u.c: no twin");
    }

    @Test
    void drawsTheOneLineAndBarsStartOrEndOnIt() throws Exception {
        List<Group> groups = List.of(group("pingpong", 0.25, 4.0, 1.0, 0.5));
        String text = RatioChart.svg("title", List.of(), LEGEND, groups);
        Document svg = parse(text);

        List<Element> ones = byClass(svg, "line", "one");
        assertThat(ones).hasSize(1);
        Element one = ones.get(0);
        double x = Double.parseDouble(one.getAttribute("x1"));
        assertThat(Double.parseDouble(one.getAttribute("x2"))).isEqualTo(x);
        int[] scale = RatioChart.scale(groups);
        assertThat(x).isCloseTo(RatioChart.x(1, scale[0], scale[1]), within(0.1));

        List<Element> bars = byClass(svg, "rect", "bar");
        double left0 = attr(bars.get(0), "x"), width0 = attr(bars.get(0), "width");
        assertThat(left0 + width0).as("a ratio below 1 ends on the 1.0 line").isCloseTo(x, within(0.11));
        assertThat(left0).isCloseTo(RatioChart.x(0.25, scale[0], scale[1]), within(0.1));
        assertThat(attr(bars.get(1), "x")).as("a ratio above 1 starts on the 1.0 line").isCloseTo(x, within(0.1));
        assertThat(attr(bars.get(3), "width")).as("log scale: 1/2 is half as long as 1/4")
                .isCloseTo(width0 / 2, within(0.2));
        // the line spans every group's bars
        double lastBarBottom = attr(bars.get(3), "y") + attr(bars.get(3), "height");
        assertThat(attr(one, "y2")).isGreaterThanOrEqualTo(lastBarBottom);
        assertThat(attr(one, "y1")).isLessThanOrEqualTo(attr(bars.get(0), "y"));
        assertThat(text).contains("log scale, base 2");
    }

    @Test
    void scaleCoversEveryRatioWithinItsBounds() {
        assertThat(RatioChart.scale(List.of(group("w", 0.9, 1.1, 1.0, 1.0)))).containsExactly(-1, 1);
        assertThat(RatioChart.scale(List.of(group("w", 0.1, 3.0, 1.0, 1.0)))).containsExactly(-4, 2);
        assertThat(RatioChart.scale(List.of(group("w", 1e-9, 1e9, 1.0, 1.0)))).containsExactly(-6, 6);
    }

    @Test
    void reportChartHasAGroupPerWorkloadThatRanAndInvertsRates() throws Exception {
        Workload ping = workload("pingpong", "ns/roundtrip", false, true);
        Workload http = workload("http", "req/s", true, false);
        Workload broken = workload("broken", "ms", false, false);
        List<Result> results = new ArrayList<>();
        results.add(result(ping, Map.of(Column.GOLOOM, 50.0, Column.JDK, 100.0, Column.JUC, 25.0, Column.GO, 50.0)));
        results.add(result(http, Map.of(Column.GOLOOM, 2000.0, Column.JDK, 1000.0)));
        results.add(new Result(broken, 1, new EnumMap<>(Column.class), "FAILED: boom"));
        Data data = new Data(new MachineInfo(2, "Linux", "cpu", 1L << 30, "25", "vendor", "vm", "go1.19"),
                new MainOptions(true, List.of(), 3, 1, false, true, true, 1, false, Path.of("out")),
                Instant.parse("2026-01-02T03:04:05Z"), Duration.ofSeconds(1), "test clock", results,
                new GoAnchor.Result(Map.of(), "go1.19", null), null, null);
        Document svg = parse(RatioChart.forReport(data));

        List<Element> gs = byClass(svg, "g", "workload");
        assertThat(gs).extracting(g -> g.getAttribute("data-workload")).containsExactly("pingpong", "http");
        assertThat(gs.get(0).getTextContent()).contains("0.50  JDK, same code  (CPU 0.50)",
                "2.00  JDK + SynchronousQueue  (CPU 2.00)", "-  jox: no twin", "1.00  Go");
        // req/s: goloom twice the JDK's rate is drawn as 0.50, left of 1.0 like every other win
        assertThat(gs.get(1).getTextContent()).contains("0.50  JDK, same code", "-  Go: no Go twin");
        assertThat(svg.getDocumentElement().getTextContent()).contains("inverted", "Log scale (base 2)");

        String json = ReportJson.json(data);
        assertThat(json).contains("\"name\": \"pingpong\"", "\"absent\": \"no jox here\"", "\"problem\": \"FAILED: boom\"",
                "\"wall\": 0.5", "\"description\": \"a \\\"quoted\\\" description\"");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static Group group(String name, double... ratios) {
        List<Bar> bars = new ArrayList<>();
        for (int i = 0; i < ratios.length; i++) {
            bars.add(new Bar(LEGEND.get(i), ratios[i], Double.NaN, Double.isNaN(ratios[i]) ? "no twin" : null));
        }
        return new Group(name, "ns/op", bars);
    }

    private static Workload workload(String name, String unit, boolean higherIsBetter, boolean twins) {
        Workload.Body body = (threads, n) -> 0;
        return new Workload(name, unit, 1, 1, !higherIsBetter, "a \"quoted\" description", body, higherIsBetter,
                null, twins ? Twin.of("SynchronousQueue", body) : Twin.none("no j.u.c here"), Twin.none("no jox here"),
                Workload.Cpu.forUnit(unit));
    }

    private static Result result(Workload w, Map<Column, Double> medians) {
        Map<Column, Series> series = new EnumMap<>(Column.class);
        medians.forEach((c, v) -> series.put(c, new Series(new double[] {v}, new double[] {v})));
        return new Result(w, 1, series, null);
    }

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Element> byClass(Object root, String tag, String cls) {
        NodeList nodes = root instanceof Document d ? d.getElementsByTagNameNS("*", tag)
                : ((Element) root).getElementsByTagNameNS("*", tag);
        List<Element> found = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (e.getAttribute("class").equals(cls)) {
                found.add(e);
            }
        }
        return found;
    }

    private static double attr(Element e, String name) {
        return Double.parseDouble(e.getAttribute(name));
    }
}
