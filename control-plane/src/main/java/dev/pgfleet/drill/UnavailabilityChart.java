package dev.pgfleet.drill;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The drills tab's chart, as SVG built on the server (no chart library, nothing to load): each finished drill
 * is a dot at its time and its measured write unavailability, coloured by kind, ringed when it missed a target;
 * each kind's target is a dashed line. Pure, so it is tested against a golden file.
 */
final class UnavailabilityChart {
    static final int WIDTH = 720;
    static final int HEIGHT = 240;
    private static final int LEFT = 56;
    private static final int RIGHT = 16;
    private static final int TOP = 16;
    private static final int BOTTOM = 36;
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("MMM d HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** One measured drill. */
    record Point(Instant at, long writeUnavailableMillis, String kind, boolean passed) {
    }

    /** A target line: drills of {@code kind} should stay below {@code millis}. */
    record Target(String kind, long millis) {
    }

    private UnavailabilityChart() {
    }

    static String render(List<Point> points, List<Target> targets) {
        List<Point> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.comparing(Point::at));
        long maxValue = 0;
        for (Point p : sorted) {
            maxValue = Math.max(maxValue, p.writeUnavailableMillis());
        }
        for (Target t : targets) {
            maxValue = Math.max(maxValue, t.millis());
        }
        long step = tickStep(maxValue);
        long top = Math.max(step, ((maxValue + step - 1) / step) * step);
        StringBuilder svg = new StringBuilder();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" role=\"img\" aria-labelledby=\"chart-title chart-desc\">\n");
        svg.append("<title id=\"chart-title\">Write unavailability per drill</title>\n");
        svg.append("<desc id=\"chart-desc\">").append(escape(describe(sorted))).append("</desc>\n");
        for (long v = 0; v <= top; v += step) {
            int y = y(v, top);
            svg.append("<line class=\"grid\" x1=\"").append(LEFT).append("\" y1=\"").append(y).append("\" x2=\"").append(WIDTH - RIGHT)
                    .append("\" y2=\"").append(y).append("\"/>\n");
            svg.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(y + 4).append("\" text-anchor=\"end\">")
                    .append(seconds(v)).append("</text>\n");
        }
        svg.append("<line class=\"axis\" x1=\"").append(LEFT).append("\" y1=\"").append(HEIGHT - BOTTOM).append("\" x2=\"")
                .append(WIDTH - RIGHT).append("\" y2=\"").append(HEIGHT - BOTTOM).append("\"/>\n");
        for (Target t : targets) {
            int y = y(t.millis(), top);
            svg.append("<line class=\"target\" x1=\"").append(LEFT).append("\" y1=\"").append(y).append("\" x2=\"").append(WIDTH - RIGHT)
                    .append("\" y2=\"").append(y).append("\"/>\n");
            svg.append("<text x=\"").append(WIDTH - RIGHT).append("\" y=\"").append(y - 4).append("\" text-anchor=\"end\">")
                    .append(escape(t.kind())).append(" target ").append(seconds(t.millis())).append("</text>\n");
        }
        if (!sorted.isEmpty()) {
            Instant first = sorted.get(0).at();
            Instant last = sorted.get(sorted.size() - 1).at();
            svg.append("<text x=\"").append(LEFT).append("\" y=\"").append(HEIGHT - 12).append("\">").append(DAY.format(first))
                    .append(" UTC</text>\n");
            if (!last.equals(first)) {
                svg.append("<text x=\"").append(WIDTH - RIGHT).append("\" y=\"").append(HEIGHT - 12).append("\" text-anchor=\"end\">")
                        .append(DAY.format(last)).append(" UTC</text>\n");
            }
            for (Point p : sorted) {
                svg.append("<circle class=\"").append(escape(p.kind())).append(p.passed() ? "" : " missed").append("\" cx=\"")
                        .append(x(p.at(), first, last)).append("\" cy=\"").append(y(p.writeUnavailableMillis(), top)).append("\" r=\"5\"><title>")
                        .append(escape(p.kind())).append(", ").append(DAY.format(p.at())).append(" UTC: ")
                        .append(seconds(p.writeUnavailableMillis())).append(p.passed() ? "" : " (missed a target)").append("</title></circle>\n");
            }
        }
        return svg.append("</svg>\n").toString();
    }

    private static String describe(List<Point> sorted) {
        if (sorted.isEmpty()) {
            return "No drill has finished yet.";
        }
        long worst = sorted.stream().mapToLong(Point::writeUnavailableMillis).max().orElse(0);
        return sorted.size() + (sorted.size() == 1 ? " drill" : " drills") + "; the longest write unavailability was " + seconds(worst) + ".";
    }

    /** 1, 2 or 5 times a power of ten, so that there are about four grid lines. */
    static long tickStep(long maxValue) {
        long rough = Math.max(1, maxValue / 4);
        long power = 1;
        while (power * 10 <= rough) {
            power *= 10;
        }
        for (long m : new long[] {1, 2, 5, 10}) {
            if (m * power >= rough) {
                return m * power;
            }
        }
        return 10 * power;
    }

    private static int y(long millis, long top) {
        int plot = HEIGHT - TOP - BOTTOM;
        return HEIGHT - BOTTOM - (int) Math.round((double) millis * plot / top);
    }

    private static int x(Instant at, Instant first, Instant last) {
        int plot = WIDTH - LEFT - RIGHT - 24;
        if (first.equals(last)) {
            return LEFT + 12 + plot / 2;
        }
        double share = (double) (at.toEpochMilli() - first.toEpochMilli()) / (last.toEpochMilli() - first.toEpochMilli());
        return LEFT + 12 + (int) Math.round(share * plot);
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, millis % 1000 == 0 ? "%.0f s" : "%.1f s", millis / 1000.0);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
