// Self-contained SVG line plots in the style of the paper's panels: axes with ticks and labels,
// linear or log y (ticks at decades), one coloured, labelled line per arm (with a shaded band over
// its seeds when it ran several), a legend, a title.
// NaN, infinite and (on a log axis) non-positive values break a line instead of breaking the plot.
import Config
import Foundation

public struct PlotSeries: Sendable {
    public var name: String
    public var points: [(x: Double, y: Double)]
    /// Where the run diverged (its last point), drawn as a cross.
    public var diverged: Bool = false
    /// A reference curve (the paper's values): drawn dashed with open markers in the colour of the series
    /// at index `matches`, or grey when it matches none.
    public var reference: Bool = false
    public var matches: Int? = nil
    /// A fixed colour (Figure 4: bias-corrected red, uncorrected green), instead of the palette's.
    public var color: String? = nil
    /// Several seeds: `points` is their mean and the band spans their lowest to highest value at
    /// each x (NaN: a gap), shaded in the series' colour.
    public var band: [(x: Double, lo: Double, hi: Double)] = []
    /// How many seeds the series summarises (the legend says so when more than one).
    public var seeds: Int = 1
    public init(name: String, points: [(x: Double, y: Double)], diverged: Bool = false) {
        self.name = name
        self.points = points
        self.diverged = diverged
    }
}

public struct PlotPanel: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logY: Bool
    public var yMin: Double? = nil
    public var yMax: Double? = nil
    /// The x range drawn (points beyond it are left out of the y range and clipped).
    public var xMin: Double? = nil
    public var xMax: Double? = nil
    public var series: [PlotSeries]
    /// The row of a grid of panels (Figure 4's layout); panels without one sit side by side.
    public var gridRow: Int? = nil
    public init(title: String, xLabel: String, yLabel: String, logY: Bool, series: [PlotSeries]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logY = logY
        self.series = series
    }
}

public enum SVGPlot {
    static let width = 560.0, height = 420.0
    static let left = 78.0, right = 20.0, top = 44.0, bottom = 56.0
    /// Tableau 10: distinguishable, and readable for most colour-vision deficiencies.
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                          "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    public static func render(_ panels: [PlotPanel]) -> String {
        // Panels with a grid row go in rows (in order of first appearance), the others in one row.
        var rows: [Int?] = [], place: [(column: Int, row: Int)] = []
        var filled: [Int] = []
        for panel in panels {
            if !rows.contains(panel.gridRow) { rows.append(panel.gridRow); filled.append(0) }
            let r = rows.firstIndex(of: panel.gridRow)!
            place.append((filled[r], r))
            filled[r] += 1
        }
        let total = width * Double(filled.max() ?? 1), tall = height * Double(max(1, rows.count))
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(fmt(total))" height="\(fmt(tall))" viewBox="0 0 \(fmt(total)) \(fmt(tall))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>

        """
        for (i, panel) in panels.enumerated() {
            let x = Double(place[i].column) * width, y = Double(place[i].row) * height
            svg += "<g transform=\"translate(\(fmt(x)),\(fmt(y)))\">\n" + renderPanel(panel) + "</g>\n"
        }
        return svg + "</svg>\n"
    }

    static func usable(_ y: Double, log: Bool) -> Bool { y.isFinite && (!log || y > 0) }

    static func renderPanel(_ p: PlotPanel) -> String {
        let plotW = width - left - right, plotH = height - top - bottom
        func inRange(_ x: Double) -> Bool { x >= (p.xMin ?? -.infinity) && x <= (p.xMax ?? .infinity) }
        let xs = p.series.flatMap { $0.points.filter { usable($0.y, log: p.logY) && inRange($0.x) }.map(\.x) }
        let ys = p.series.flatMap { series in
            (series.points.filter { inRange($0.x) }.map(\.y) + series.band.filter { inRange($0.x) }.flatMap { [$0.lo, $0.hi] })
                .filter { usable($0, log: p.logY) }
        }
        let xAxis = linearAxis(p.xMin ?? xs.min() ?? 0, p.xMax ?? xs.max() ?? 1, ticks: 6, roundLo: false, roundHi: false)
        let xMin = xAxis.lo, xMax = xAxis.hi
        var yLo = p.yMin ?? ys.min() ?? (p.logY ? 0.1 : 0), yHi = p.yMax ?? ys.max() ?? 1
        var yTicks: [Double] = []
        if p.logY {
            yLo = pow(10, floor(log10(max(yLo, 1e-300))))
            yHi = pow(10, ceil(log10(min(max(yHi, yLo * 10), 1e300))))
            if yHi <= yLo { yHi = yLo * 10 }
        } else {
            let yAxis = linearAxis(yLo, yHi, ticks: 5, roundLo: p.yMin == nil, roundHi: p.yMax == nil)
            (yLo, yHi, yTicks) = (yAxis.lo, yAxis.hi, yAxis.ticks)
        }
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * plotW }
        func py(_ y: Double) -> Double {
            let t = p.logY ? (log10(y) - log10(yLo)) / (log10(yHi) - log10(yLo)) : (y - yLo) / (yHi - yLo)
            return top + (1 - t) * plotH
        }
        var s = ""
        s += "<text x=\"\(fmt(width / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(escape(p.title))</text>\n"
        s += "<rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(plotW))\" height=\"\(fmt(plotH))\" fill=\"none\" stroke=\"#333\"/>\n"
        // x ticks
        for x in xAxis.ticks {
            let X = px(x)
            s += "<line x1=\"\(fmt(X))\" y1=\"\(fmt(top + plotH))\" x2=\"\(fmt(X))\" y2=\"\(fmt(top + plotH + 5))\" stroke=\"#333\"/>"
            s += "<text x=\"\(fmt(X))\" y=\"\(fmt(top + plotH + 19))\" text-anchor=\"middle\">\(tickLabel(x))</text>\n"
        }
        // y ticks (decades on a log axis, with unlabelled 2…9 minor ticks when few decades show)
        if p.logY {
            let d0 = Int(log10(yLo).rounded()), d1 = Int(log10(yHi).rounded())
            for d in d0...d1 {
                let Y = py(pow(10, Double(d)))
                s += "<line x1=\"\(fmt(left - 5))\" y1=\"\(fmt(Y))\" x2=\"\(fmt(left + plotW))\" y2=\"\(fmt(Y))\" stroke=\"#ddd\"/>"
                s += "<line x1=\"\(fmt(left - 5))\" y1=\"\(fmt(Y))\" x2=\"\(fmt(left))\" y2=\"\(fmt(Y))\" stroke=\"#333\"/>"
                s += "<text x=\"\(fmt(left - 8))\" y=\"\(fmt(Y + 4))\" text-anchor=\"end\">10<tspan dy=\"-6\" font-size=\"9\">\(d)</tspan></text>\n"
                if d1 - d0 <= 4 && d < d1 {
                    for m in 2...9 {
                        let Ym = py(Double(m) * pow(10, Double(d)))
                        s += "<line x1=\"\(fmt(left - 3))\" y1=\"\(fmt(Ym))\" x2=\"\(fmt(left))\" y2=\"\(fmt(Ym))\" stroke=\"#333\"/>"
                    }
                    s += "\n"
                }
            }
        } else {
            for y in yTicks {
                let Y = py(y)
                s += "<line x1=\"\(fmt(left - 5))\" y1=\"\(fmt(Y))\" x2=\"\(fmt(left + plotW))\" y2=\"\(fmt(Y))\" stroke=\"#ddd\"/>"
                s += "<text x=\"\(fmt(left - 8))\" y=\"\(fmt(Y + 4))\" text-anchor=\"end\">\(tickLabel(y))</text>\n"
            }
        }
        s += "<text x=\"\(fmt(left + plotW / 2))\" y=\"\(fmt(height - 12))\" text-anchor=\"middle\">\(escape(p.xLabel))</text>\n"
        s += "<text transform=\"translate(18,\(fmt(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(p.yLabel))</text>\n"
        // lines, clipped to the plot area
        s += "<clipPath id=\"plot-area\"><rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(plotW))\" height=\"\(fmt(plotH))\"/></clipPath>\n"
        s += "<g clip-path=\"url(#plot-area)\" fill=\"none\" stroke-width=\"1.8\">\n"
        // Seed bands first, under every line: one polygon per stretch where both edges are usable.
        for (i, series) in p.series.enumerated() where !series.band.isEmpty {
            var stretch: [(x: Double, lo: Double, hi: Double)] = []
            func flush() {
                if stretch.count > 1 {
                    let edge = stretch.map { "\(fmt(px($0.x))),\(fmt(py($0.lo)))" } + stretch.reversed().map { "\(fmt(px($0.x))),\(fmt(py($0.hi)))" }
                    s += "<polygon class=\"seed-band\" fill=\"\(style(p, i).color)\" fill-opacity=\"0.2\" stroke=\"none\" points=\"\(edge.joined(separator: " "))\"/>\n"
                }
                stretch.removeAll()
            }
            for b in series.band {
                if usable(b.lo, log: p.logY) && usable(b.hi, log: p.logY) { stretch.append(b) } else { flush() }
            }
            flush()
        }
        for (i, series) in p.series.enumerated() {
            let color = style(p, i).color, dash = style(p, i).dash
            var segment: [String] = []
            func flush() {
                if segment.count > 1 { s += "<polyline stroke=\"\(color)\"\(dash) points=\"\(segment.joined(separator: " "))\"/>\n" }
                if segment.count == 1 { s += "<circle fill=\"\(color)\" r=\"2\" cx=\"\(segment[0].split(separator: ",")[0])\" cy=\"\(segment[0].split(separator: ",")[1])\"/>\n" }
                segment.removeAll()
            }
            for point in series.points {
                if usable(point.y, log: p.logY) { segment.append("\(fmt(px(point.x))),\(fmt(py(point.y)))") } else { flush() }
            }
            flush()
            // The paper's values also as open markers (at most about 40 per curve).
            if series.reference {
                let every = max(1, (series.points.count + 39) / 40)
                for (k, point) in series.points.enumerated() where k % every == 0 && usable(point.y, log: p.logY) {
                    s += "<circle stroke=\"\(color)\" fill=\"white\" stroke-width=\"1.2\" r=\"2.6\" cx=\"\(fmt(px(point.x)))\" cy=\"\(fmt(py(point.y)))\"/>\n"
                }
            }
            if series.diverged, let last = series.points.last(where: { usable($0.y, log: p.logY) }) {
                let X = px(last.x), Y = py(last.y)
                s += "<path stroke=\"\(color)\" stroke-width=\"2.5\" d=\"M\(fmt(X - 5)),\(fmt(Y - 5)) L\(fmt(X + 5)),\(fmt(Y + 5)) M\(fmt(X - 5)),\(fmt(Y + 5)) L\(fmt(X + 5)),\(fmt(Y - 5))\"/>\n"
            }
        }
        s += "</g>\n"
        // The legend, inside the plot in the corner it hides the least of the lines.
        func label(_ series: PlotSeries) -> String {
            series.name + (series.seeds > 1 ? " (mean of \(series.seeds) seeds)" : "") + (series.diverged ? " (diverged)" : "")
        }
        let legendW = 24 + 7 * Double(p.series.map { label($0).count }.max() ?? 4)
        let legendH = Double(p.series.count) * 16 + 8
        let drawn = p.series.map { series in
            (points: series.points.filter { usable($0.y, log: p.logY) && inRange($0.x) }.map { (x: px($0.x), y: py($0.y)) },
             weight: series.reference ? 1 : 4)
        }
        let (lx, ly) = legendCorner(width: legendW, height: legendH, plot: (x: left, y: top, width: plotW, height: plotH), lines: drawn)
        s += "<rect x=\"\(fmt(lx))\" y=\"\(fmt(ly))\" width=\"\(fmt(legendW))\" height=\"\(fmt(legendH))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#999\"/>\n"
        for (i, series) in p.series.enumerated() {
            let y = ly + 14 + Double(i) * 16
            if !series.band.isEmpty {
                s += "<rect fill=\"\(style(p, i).color)\" fill-opacity=\"0.2\" x=\"\(fmt(lx + 6))\" y=\"\(fmt(y - 9))\" width=\"14\" height=\"10\"/>"
            }
            s += "<line x1=\"\(fmt(lx + 6))\" y1=\"\(fmt(y - 4))\" x2=\"\(fmt(lx + 20))\" y2=\"\(fmt(y - 4))\" stroke=\"\(style(p, i).color)\"\(style(p, i).dash) stroke-width=\"2.5\"/>"
            if series.reference {
                s += "<circle stroke=\"\(style(p, i).color)\" fill=\"white\" stroke-width=\"1.2\" r=\"2.6\" cx=\"\(fmt(lx + 13))\" cy=\"\(fmt(y - 4))\"/>"
            }
            s += "<text x=\"\(fmt(lx + 24))\" y=\"\(fmt(y))\">\(escape(label(series)))</text>\n"
        }
        return s
    }

    /// Where a legend box of this size goes: the inside corner of the plot area (top right, top
    /// left, bottom right, bottom left) that hides the fewest curves, our curves counting `weight`
    /// times the paper's (so a corner free of ours is taken first), then the least ink (each
    /// segment sampled every 4 pixels), then the first in that order. Positions are in pixels.
    static func legendCorner(width w: Double, height h: Double, plot: (x: Double, y: Double, width: Double, height: Double),
                             lines: [(points: [(x: Double, y: Double)], weight: Int)]) -> (x: Double, y: Double) {
        let right = plot.x + plot.width - w - 8, bottom = plot.y + plot.height - h - 8
        let corners = [(right, plot.y + 8), (plot.x + 8, plot.y + 8), (right, bottom), (plot.x + 8, bottom)]
        var hidden = [Int](repeating: 0, count: corners.count), ink = [Int](repeating: 0, count: corners.count)
        for (line, weight) in lines {
            var touched = [Bool](repeating: false, count: corners.count)
            func sample(_ x: Double, _ y: Double) {
                for (c, corner) in corners.enumerated() where x >= corner.0 && x <= corner.0 + w && y >= corner.1 && y <= corner.1 + h {
                    touched[c] = true
                    ink[c] += 1
                }
            }
            for (a, b) in zip(line, line.dropFirst()) {
                let steps = max(1, min(1000, Int((hypot(b.x - a.x, b.y - a.y) / 4).rounded(.up))))
                for k in 0..<steps {
                    let t = Double(k) / Double(steps)
                    sample(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t)
                }
            }
            if let last = line.last { sample(last.x, last.y) }
            for c in corners.indices where touched[c] { hidden[c] += weight }
        }
        let best = corners.indices.min { (hidden[$0], ink[$0]) < (hidden[$1], ink[$1]) }!
        return corners[best]
    }

    /// A series' colour and dash: its own palette entry, or for a reference curve the colour of
    /// the series it matches, dashed.
    static func style(_ p: PlotPanel, _ i: Int) -> (color: String, dash: String) {
        let series = p.series[i]
        guard series.reference else { return (series.color ?? palette[i % palette.count], dashes(i)) }
        let color = series.matches.map { p.series[$0].color ?? palette[$0 % palette.count] } ?? "#777777"
        return (color, " stroke-dasharray=\"4,3\" stroke-opacity=\"0.8\"")
    }

    /// Past the palette's ten colours, lines are dashed so no two series look alike.
    static func dashes(_ i: Int) -> String {
        ["", " stroke-dasharray=\"6,3\"", " stroke-dasharray=\"2,2\""][(i / palette.count) % 3]
    }

    /// A linear axis over [lo, hi] for any finite input (constant, huge, tiny or mixed ranges):
    /// an interval of nonzero width, widened to whole steps where `roundLo`/`roundHi` allow, and
    /// at most a few dozen ticks inside it, counted by integers so that no loop can stall when a
    /// step is below the values' precision. Non-finite inputs are treated as 0 and 1.
    static func linearAxis(_ lo: Double, _ hi: Double, ticks target: Int, roundLo: Bool, roundHi: Bool)
        -> (lo: Double, hi: Double, ticks: [Double]) {
        let limit = 1e300  // keeps hi - lo and every product below finite
        var lo = lo.isFinite ? min(max(lo, -limit), limit) : 0, hi = hi.isFinite ? min(max(hi, -limit), limit) : 1
        if lo > hi { swap(&lo, &hi) }
        if lo == hi {
            // Widen by a tenth of the value (half a unit around zero): adding 0.5 to 1e16 is no change.
            let pad = lo == 0 ? 0.5 : max(abs(lo) * 0.1, Double.leastNormalMagnitude)
            lo -= pad
            hi += pad
        }
        let step = niceStep((hi - lo) / Double(target))
        guard lo + step != lo, hi - step != hi else { return (lo, hi, [lo, hi]) }
        if roundLo { lo = max(-limit, floor(lo / step) * step) }
        if roundHi { hi = min(limit, ceil(hi / step) * step) }
        let first = ceil(lo / step - 1e-9), last = floor(hi / step + 1e-9)
        guard first.isFinite, last.isFinite, last >= first, last - first <= Double(4 * target) else { return (lo, hi, [lo, hi]) }
        let ticks = (0...Int(last - first)).map { (first + Double($0)) * step }
        // Denormal ranges can round to a single tick: label the ends instead.
        return ticks.count >= 2 ? (lo, hi, ticks) : (lo, hi, [lo, hi])
    }

    /// 1, 2 or 5 times a power of ten, near `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let e = pow(10, floor(log10(raw)))
        let f = raw / e
        return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * e
    }

    static func tickLabel(_ v: Double) -> String {
        if v != 0 && (abs(v) >= 1e9 || abs(v) < 1e-4) { return String(format: "%.4g", v) }
        let r = (v * 1e6).rounded() / 1e6
        if r == r.rounded() { return String(Int(r)) }
        var s = String(format: "%.4f", r)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }

    static func fmt(_ v: Double) -> String { String(format: "%.1f", v) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
