import Foundation

/// Inline SVG charts, built through the DOM like everything else. Each takes data already
/// reduced to numbers and draws it with labelled axes.
enum Charts {
    static let palette = ["#2a5db0", "#d9822b", "#2a8c5a", "#b03a5b", "#8a6fb0", "#6b8e23", "#c0a030", "#3a9fb0"]

    struct Frame {
        var width = 640.0, height = 260.0, left = 56.0, right = 16.0, top = 16.0, bottom = 44.0
        var plotWidth: Double { width - left - right }
        var plotHeight: Double { height - top - bottom }
    }

    /// y axis from `lo` to `hi` with a few gridlines and a label.
    static func yAxis(_ svg: Element, _ f: Frame, lo: Double, hi: Double, label: String) -> (Double) -> Double {
        let y = { (v: Double) in f.top + f.plotHeight * (1 - (v - lo) / max(hi - lo, 1e-12)) }
        for k in 0...4 {
            let v = lo + (hi - lo) * Double(k) / 4
            svg.add("line", ["class": "grid", "x1": fmt(f.left), "x2": fmt(f.width - f.right), "y1": fmt(y(v)), "y2": fmt(y(v))])
            svg.add("text", ["x": fmt(f.left - 6), "y": fmt(y(v) + 4), "text-anchor": "end"], text: fmt(v, 2))
        }
        svg.add("line", ["class": "axis", "x1": fmt(f.left), "x2": fmt(f.left), "y1": fmt(f.top), "y2": fmt(f.top + f.plotHeight)])
        svg.add("text", ["x": "12", "y": fmt(f.top + f.plotHeight / 2), "transform": "rotate(-90 12 \(fmt(f.top + f.plotHeight / 2)))",
                         "text-anchor": "middle"], text: label)
        return y
    }

    static func range(_ values: [Double], pad: Double = 0.05) -> (Double, Double) {
        let finite = values.filter(\.isFinite)
        guard var lo = finite.min(), var hi = finite.max() else { return (0, 1) }
        if hi - lo < 1e-9 { lo -= 0.05; hi += 0.05 }
        let p = (hi - lo) * pad
        return (lo - p, hi + p)
    }

    /// One column per group: every value as a dot, the mean as a bar, the CI as a whisker.
    static func strip(_ parent: Element, label: String, yLabel: String,
                      groups: [(name: String, values: [Double], ci: (Double, Double, Double)?)]) {
        var f = Frame()
        f.width = max(320, 90 * Double(groups.count) + f.left + f.right)
        let all = groups.flatMap { $0.values } + groups.compactMap { $0.ci }.flatMap { [$0.1, $0.2] }
        let (lo, hi) = range(all)
        let svg = parent.addSVG(width: f.width, height: f.height, label: label)
        let y = yAxis(svg, f, lo: lo, hi: hi, label: yLabel)
        let step = f.plotWidth / Double(max(groups.count, 1))
        for (i, g) in groups.enumerated() {
            let cx = f.left + step * (Double(i) + 0.5)
            let colour = palette[i % palette.count]
            for (k, v) in g.values.enumerated() {
                let jitter = (Double((k * 37) % 11) - 5) * step * 0.03
                svg.add("circle", ["cx": fmt(cx + jitter), "cy": fmt(y(v)), "r": "3", "fill": colour, "fill-opacity": "0.55"])
            }
            if let ci = g.ci {
                svg.add("line", ["x1": fmt(cx + step * 0.22), "x2": fmt(cx + step * 0.22), "y1": fmt(y(ci.1)), "y2": fmt(y(ci.2)),
                                 "stroke": colour, "stroke-width": "2"])
                svg.add("line", ["x1": fmt(cx - step * 0.25), "x2": fmt(cx + step * 0.3), "y1": fmt(y(ci.0)), "y2": fmt(y(ci.0)),
                                 "stroke": colour, "stroke-width": "2.5"])
            }
            svg.add("text", ["x": fmt(cx), "y": fmt(f.height - 24), "text-anchor": "middle"], text: String(g.name.prefix(18)))
        }
    }

    /// A matrix of values in [lo, hi] as coloured cells with the number written in each.
    static func heatmap(_ parent: Element, label: String, rows: [String], columns: [String], values: [[Double]], lo: Double = 0, hi: Double = 1) {
        let cell = 56.0, left = 70.0, top = 24.0
        let svg = parent.addSVG(width: left + cell * Double(columns.count) + 10, height: top + cell * 0.6 * Double(rows.count) + 10, label: label)
        for (j, c) in columns.enumerated() {
            svg.add("text", ["x": fmt(left + cell * (Double(j) + 0.5)), "y": "16", "text-anchor": "middle"], text: c)
        }
        for (i, r) in rows.enumerated() {
            let yy = top + cell * 0.6 * Double(i)
            svg.add("text", ["x": fmt(left - 6), "y": fmt(yy + cell * 0.38), "text-anchor": "end"], text: r)
            for (j, v) in values[i].enumerated() {
                let t = max(0, min(1, (v - lo) / max(hi - lo, 1e-12)))
                let colour = "rgb(\(Int(250 - 200 * t)),\(Int(250 - 120 * t)),\(Int(255 - 40 * t)))"
                svg.add("rect", ["x": fmt(left + cell * Double(j)), "y": fmt(yy), "width": fmt(cell - 2), "height": fmt(cell * 0.6 - 2), "fill": colour])
                svg.add("text", ["x": fmt(left + cell * (Double(j) + 0.5)), "y": fmt(yy + cell * 0.38), "text-anchor": "middle",
                                 "fill": t > 0.6 ? "#fff" : "#1d2430"], text: fmt(v, 2))
            }
        }
    }

    /// Points with a fitted line y = a + b x.
    static func scatter(_ parent: Element, label: String, xLabel: String, yLabel: String, points: [(Double, Double)], fit: (Double, Double)?) {
        let f = Frame()
        let (xlo, xhi) = range(points.map(\.0)), (ylo, yhi) = range(points.map(\.1))
        let svg = parent.addSVG(width: f.width, height: f.height, label: label)
        let y = yAxis(svg, f, lo: ylo, hi: yhi, label: yLabel)
        let x = { (v: Double) in f.left + f.plotWidth * (v - xlo) / max(xhi - xlo, 1e-12) }
        svg.add("line", ["class": "axis", "x1": fmt(f.left), "x2": fmt(f.width - f.right), "y1": fmt(f.top + f.plotHeight), "y2": fmt(f.top + f.plotHeight)])
        for k in 0...4 {
            let v = xlo + (xhi - xlo) * Double(k) / 4
            svg.add("text", ["x": fmt(x(v)), "y": fmt(f.top + f.plotHeight + 14), "text-anchor": "middle"], text: fmt(v, 2))
        }
        svg.add("text", ["x": fmt(f.left + f.plotWidth / 2), "y": fmt(f.height - 6), "text-anchor": "middle"], text: xLabel)
        for p in points {
            svg.add("circle", ["cx": fmt(x(p.0)), "cy": fmt(y(p.1)), "r": "2.5", "fill": palette[0], "fill-opacity": "0.5"])
        }
        if let (a, b) = fit {
            svg.add("line", ["x1": fmt(x(xlo)), "x2": fmt(x(xhi)), "y1": fmt(y(a + b * xlo)), "y2": fmt(y(a + b * xhi)),
                             "stroke": palette[1], "stroke-width": "2"])
        }
    }

    /// Series over labelled x positions, each with a CI band; `marks` draws vertical lines.
    static func lines(_ parent: Element, label: String, xLabels: [String], yLabel: String,
                      series: [(name: String, mean: [Double], low: [Double], high: [Double])], marks: [Int] = []) {
        var f = Frame()
        f.bottom = 60
        let all = series.flatMap { $0.low + $0.high + $0.mean }
        let (lo, hi) = range(all)
        let svg = parent.addSVG(width: f.width, height: f.height, label: label)
        let y = yAxis(svg, f, lo: lo, hi: hi, label: yLabel)
        let n = max(xLabels.count, 1)
        let x = { (i: Int) in f.left + f.plotWidth * (n == 1 ? 0.5 : Double(i) / Double(n - 1)) }
        for (i, l) in xLabels.enumerated() {
            svg.add("text", ["x": fmt(x(i)), "y": fmt(f.top + f.plotHeight + 14), "text-anchor": "middle"], text: String(l.prefix(10)))
        }
        for m in marks where m < n {
            svg.add("line", ["x1": fmt(x(m)), "x2": fmt(x(m)), "y1": fmt(f.top), "y2": fmt(f.top + f.plotHeight),
                             "stroke": "#b03a5b", "stroke-dasharray": "4 3"])
        }
        for (k, s) in series.enumerated() {
            let colour = palette[k % palette.count]
            if s.mean.count > 1 {
                let upper = s.high.indices.map { "\(fmt(x($0))),\(fmt(y(s.high[$0])))" }
                let lower = s.low.indices.reversed().map { "\(fmt(x($0))),\(fmt(y(s.low[$0])))" }
                svg.add("polygon", ["class": "band", "points": (upper + lower).joined(separator: " "), "fill": colour])
                svg.add("polyline", ["points": s.mean.indices.map { "\(fmt(x($0))),\(fmt(y(s.mean[$0])))" }.joined(separator: " "),
                                     "fill": "none", "stroke": colour, "stroke-width": "2"])
            }
            for (i, v) in s.mean.enumerated() { svg.add("circle", ["cx": fmt(x(i)), "cy": fmt(y(v)), "r": "3", "fill": colour]) }
            svg.add("text", ["x": fmt(f.left + 8 + Double(k) * 130), "y": fmt(f.height - 8), "fill": colour], text: String(s.name.prefix(22)))
        }
    }

    /// Horizontal bars split into vision, language and shared parts (signed values).
    static func shares(_ parent: Element, label: String, bars: [(name: String, parts: [Double])]) {
        let rowH = 22.0, left = 150.0, width = 640.0
        let maxAbs = max(1e-9, bars.map { $0.parts.map(abs).reduce(0, +) }.max() ?? 1)
        let svg = parent.addSVG(width: width, height: 30 + rowH * Double(bars.count), label: label)
        let scale = (width - left - 20) / 2 / maxAbs
        let zero = left + (width - left - 20) / 2
        svg.add("line", ["class": "axis", "x1": fmt(zero), "x2": fmt(zero), "y1": "4", "y2": fmt(10 + rowH * Double(bars.count))])
        let colours = ["#d9822b", "#2a8c5a", "#8a6fb0"]
        for (i, b) in bars.enumerated() {
            let yy = 8 + rowH * Double(i)
            svg.add("text", ["x": fmt(left - 6), "y": fmt(yy + 13), "text-anchor": "end"], text: String(b.name.prefix(24)))
            var pos = zero, neg = zero
            for (k, v) in b.parts.enumerated() {
                let w = abs(v) * scale
                let x0 = v >= 0 ? pos : neg - w
                if v >= 0 { pos += w } else { neg -= w }
                svg.add("rect", ["x": fmt(x0), "y": fmt(yy), "width": fmt(max(w, 0.5)), "height": fmt(rowH - 6), "fill": colours[k]])
            }
        }
        let legend = ["vision", "language", "shared"]
        for (k, name) in legend.enumerated() {
            svg.add("rect", ["x": fmt(left + Double(k) * 110), "y": fmt(14 + rowH * Double(bars.count)), "width": "10", "height": "10", "fill": colours[k]])
            svg.add("text", ["x": fmt(left + 14 + Double(k) * 110), "y": fmt(23 + rowH * Double(bars.count))], text: name)
        }
    }
}
