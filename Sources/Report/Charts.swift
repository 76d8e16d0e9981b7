import Foundation

/// Inline SVG charts, built through the DOM like everything else. Each takes data already
/// reduced to numbers and draws it with titled axes, 1-2-5 ticks (NiceScale), margins sized
/// to the labels, and a legend whose swatches carry the series colours. Every SVG carries its
/// own style (Element.addSVG), so a saved figure looks as it does on the page.
enum Charts {
    static let palette = ["#2a5db0", "#d9822b", "#2a8c5a", "#b03a5b", "#8a6fb0", "#6b8e23", "#c0a030", "#3a9fb0"]
    static let ink = "#1d2430"
    /// The text size of every chart (px), also set in each SVG's style.
    static let fontSize = 12.0

    /// A generous estimate of a label's width at `fontSize` (sans-serif averages ~0.55 em per
    /// character; 0.62 em leaves room for wide glyphs), used to reserve margins.
    static func textWidth(_ s: String) -> Double { Double(s.count) * fontSize * 0.62 }

    struct Frame {
        var width = 640.0, height = 260.0, left = 56.0, right = 16.0, top = 16.0, bottom = 44.0
        var plotWidth: Double { width - left - right }
        var plotHeight: Double { height - top - bottom }
    }

    /// Room left of the plot for the rotated y title and the widest tick label.
    static func leftMargin(_ s: NiceScale) -> Double {
        28 + (s.ticks.map { textWidth(fmt($0, s.digits)) }.max() ?? 0)
    }

    /// The y axis over `s`: a grid line and a label per tick, the axis line and the title.
    static func yAxis(_ svg: Element, _ f: Frame, _ s: NiceScale, label: String) -> (Double) -> Double {
        let y = { (v: Double) in f.top + f.plotHeight * (1 - (v - s.lo) / max(s.hi - s.lo, 1e-12)) }
        for v in s.ticks {
            svg.add("line", ["class": "grid", "x1": fmt(f.left), "x2": fmt(f.width - f.right), "y1": fmt(y(v)), "y2": fmt(y(v))])
            svg.add("text", ["x": fmt(f.left - 6), "y": fmt(y(v) + 4), "text-anchor": "end"], text: fmt(v, s.digits))
        }
        svg.add("line", ["class": "axis", "x1": fmt(f.left), "x2": fmt(f.left), "y1": fmt(f.top), "y2": fmt(f.top + f.plotHeight)])
        let mid = fmt(f.top + f.plotHeight / 2)
        svg.add("text", ["x": "14", "y": mid, "transform": "rotate(-90 14 \(mid))", "text-anchor": "middle"], text: label)
        return y
    }

    /// The x axis over `s` below the plot: axis line, tick labels and the title.
    static func xAxis(_ svg: Element, _ f: Frame, _ s: NiceScale, label: String) -> (Double) -> Double {
        let x = { (v: Double) in f.left + f.plotWidth * (v - s.lo) / max(s.hi - s.lo, 1e-12) }
        let base = f.top + f.plotHeight
        svg.add("line", ["class": "axis", "x1": fmt(f.left), "x2": fmt(f.width - f.right), "y1": fmt(base), "y2": fmt(base)])
        for v in s.ticks {
            svg.add("line", ["class": "axis", "x1": fmt(x(v)), "x2": fmt(x(v)), "y1": fmt(base), "y2": fmt(base + 4)])
            svg.add("text", ["x": fmt(x(v)), "y": fmt(base + 17), "text-anchor": "middle"], text: fmt(v, s.digits))
        }
        svg.add("text", ["x": fmt(f.left + f.plotWidth / 2), "y": fmt(base + 35), "text-anchor": "middle"], text: label)
        return x
    }

    /// Labels under category positions `xs`: every k-th only when they would overlap; the
    /// title below them.
    static func categoryAxis(_ svg: Element, _ f: Frame, labels: [String], at xs: [Double], title: String) {
        let base = f.top + f.plotHeight
        svg.add("line", ["class": "axis", "x1": fmt(f.left), "x2": fmt(f.width - f.right), "y1": fmt(base), "y2": fmt(base)])
        let spacing = xs.count > 1 ? (xs[1] - xs[0]) : f.plotWidth
        let widest = labels.map(textWidth).max() ?? 0
        let every = max(1, Int(((widest + 8) / max(spacing, 1)).rounded(.up)))
        for (i, l) in labels.enumerated() where i % every == 0 {
            svg.add("text", ["x": fmt(xs[i]), "y": fmt(base + 17), "text-anchor": "middle"], text: l)
        }
        svg.add("text", ["x": fmt(f.left + f.plotWidth / 2), "y": fmt(base + 35), "text-anchor": "middle"], text: title)
    }

    /// Rows of swatch + name from `top`, wrapped to `width`; returns the height used.
    @discardableResult
    static func legend(_ svg: Element, left: Double, top: Double, width: Double, items: [(name: String, colour: String)], draw: Bool = true) -> Double {
        var x = left, y = top
        for (k, item) in items.enumerated() {
            let w = 16 + textWidth(item.name)
            if x > left && x + w > left + width { x = left; y += 18 }
            if draw {
                svg.add("rect", ["class": "swatch", "data-series": "\(k)", "x": fmt(x), "y": fmt(y), "width": "12", "height": "12", "fill": item.colour])
                svg.add("text", ["x": fmt(x + 16), "y": fmt(y + 10.5)], text: item.name)
            }
            x += w + 18
        }
        return items.isEmpty ? 0 : y - top + 18
    }

    static func range(_ values: [Double], pad: Double = 0.05) -> (Double, Double) {
        let finite = values.filter(\.isFinite)
        guard var lo = finite.min(), var hi = finite.max() else { return (0, 1) }
        if hi - lo < 1e-9 { lo -= 0.05; hi += 0.05 }
        let p = (hi - lo) * pad
        return (lo - p, hi + p)
    }

    static func scale(_ values: [Double]) -> NiceScale {
        let (lo, hi) = range(values, pad: 0)
        return NiceScale(lo: lo, hi: hi)
    }

    /// One column per group: every value as a dot, the mean as a bar, the CI as a whisker.
    static func strip(_ parent: Element, label: String, xLabel: String, yLabel: String,
                      groups: [(name: String, values: [Double], ci: (Double, Double, Double)?)]) {
        let all = groups.flatMap { $0.values } + groups.compactMap { $0.ci }.flatMap { [$0.1, $0.2] }
        let s = scale(all)
        var f = Frame()
        f.left = leftMargin(s)
        let names = groups.map { String($0.name.prefix(24)) }
        let column = max(90, (names.map(textWidth).max() ?? 0) + 12)
        f.width = max(320, column * Double(groups.count) + f.left + f.right)
        let svg = parent.addSVG(width: f.width, height: f.height, label: label)
        let y = yAxis(svg, f, s, label: yLabel)
        let step = f.plotWidth / Double(max(groups.count, 1))
        let xs = groups.indices.map { f.left + step * (Double($0) + 0.5) }
        for (i, g) in groups.enumerated() {
            let cx = xs[i]
            let colour = palette[i % palette.count]
            for (k, v) in g.values.enumerated() {
                let jitter = (Double((k * 37) % 11) - 5) * step * 0.03
                svg.add("circle", ["data-series": "\(i)", "cx": fmt(cx + jitter), "cy": fmt(y(v)), "r": "3", "fill": colour, "fill-opacity": "0.55"])
            }
            if let ci = g.ci {
                svg.add("line", ["x1": fmt(cx + step * 0.22), "x2": fmt(cx + step * 0.22), "y1": fmt(y(ci.1)), "y2": fmt(y(ci.2)),
                                 "stroke": colour, "stroke-width": "2"])
                svg.add("line", ["x1": fmt(cx - step * 0.25), "x2": fmt(cx + step * 0.3), "y1": fmt(y(ci.0)), "y2": fmt(y(ci.0)),
                                 "stroke": colour, "stroke-width": "2.5"])
            }
        }
        categoryAxis(svg, f, labels: names, at: xs, title: xLabel)
    }

    /// A matrix of values in [lo, hi] as coloured cells with the number written in each.
    static func heatmap(_ parent: Element, label: String, rowTitle: String, columnTitle: String,
                        rows: [String], columns: [String], values: [[Double]], lo: Double = 0, hi: Double = 1) {
        let cell = max(56, (columns.map(textWidth).max() ?? 0) + 10), cellH = 34.0
        let left = 30 + (rows.map(textWidth).max() ?? 0), top = 44.0
        let width = left + cell * Double(columns.count) + 10
        let svg = parent.addSVG(width: max(width, left + textWidth(columnTitle) + 10), height: top + cellH * Double(rows.count) + 10, label: label)
        matrixHeader(svg, left: left, top: top, cellWidth: cell, cellHeight: cellH, rowCount: rows.count, columns: columns,
                     rowTitle: rowTitle, columnTitle: columnTitle, columnTitleY: 16, labelY: 36)
        for (i, r) in rows.enumerated() {
            let yy = top + cellH * Double(i)
            svg.add("text", ["x": fmt(left - 6), "y": fmt(yy + 21), "text-anchor": "end"], text: r)
            for (j, v) in values[i].enumerated() {
                let t = max(0, min(1, (v - lo) / max(hi - lo, 1e-12)))
                let colour = "rgb(\(Int(250 - 200 * t)),\(Int(250 - 120 * t)),\(Int(255 - 40 * t)))"
                svg.add("rect", ["x": fmt(left + cell * Double(j)), "y": fmt(yy), "width": fmt(cell - 2), "height": fmt(cellH - 2), "fill": colour])
                svg.add("text", ["x": fmt(left + cell * (Double(j) + 0.5)), "y": fmt(yy + 21), "text-anchor": "middle",
                                 "fill": t > 0.6 ? "#fff" : ink], text: fmt(v, 2))
            }
        }
    }

    /// The labels around a matrix of cells (the heatmaps): the column title centred above the
    /// grid, the row title rotated on the left, one label per column above its cells.
    static func matrixHeader(_ svg: Element, left: Double, top: Double, cellWidth: Double, cellHeight: Double, rowCount: Int,
                             columns: [String], rowTitle: String, columnTitle: String, columnTitleY: Double, labelY: Double) {
        svg.add("text", ["x": fmt(left + cellWidth * Double(columns.count) / 2), "y": fmt(columnTitleY), "text-anchor": "middle"], text: columnTitle)
        let mid = fmt(top + cellHeight * Double(rowCount) / 2)
        svg.add("text", ["x": "14", "y": mid, "transform": "rotate(-90 14 \(mid))", "text-anchor": "middle"], text: rowTitle)
        for (j, c) in columns.enumerated() {
            svg.add("text", ["x": fmt(left + cellWidth * (Double(j) + 0.5)), "y": fmt(labelY), "text-anchor": "middle"], text: c)
        }
    }

    /// Points with a fitted line y = a + b x. `dataValues`: each point carries its exact values
    /// (data-x, data-y), for figures whose numbers are checked against the analysis.
    static func scatter(_ parent: Element, label: String, xLabel: String, yLabel: String, points: [(Double, Double)], fit: (Double, Double)?,
                        dataValues: Bool = false) {
        var f = Frame()
        let xs = scale(points.map(\.0)), ys = scale(points.map(\.1))
        f.left = leftMargin(ys)
        f.right = max(16, textWidth(fmt(xs.hi, xs.digits)) / 2 + 4)
        let svg = parent.addSVG(width: f.width, height: f.height, label: label)
        let y = yAxis(svg, f, ys, label: yLabel)
        let x = xAxis(svg, f, xs, label: xLabel)
        for p in points {
            let c = svg.add("circle", ["cx": fmt(x(p.0)), "cy": fmt(y(p.1)), "r": "2.5", "fill": palette[0], "fill-opacity": "0.5"])
            if dataValues { c.set("data-x", String(p.0)); c.set("data-y", String(p.1)) }
        }
        if let (a, b) = fit {
            // Clipped to the plot's x range; the y range covers the points, not every fitted value.
            let x0 = xs.lo, x1 = xs.hi
            svg.add("line", ["x1": fmt(x(x0)), "x2": fmt(x(x1)), "y1": fmt(y(min(max(a + b * x0, ys.lo), ys.hi))),
                             "y2": fmt(y(min(max(a + b * x1, ys.lo), ys.hi))), "stroke": palette[1], "stroke-width": "2"])
        }
    }

    /// Series over labelled x positions, each with a CI band; `marks` draws vertical lines.
    /// `dataValues`: each point carries its mean and CI (data-value, data-low, data-high).
    static func lines(_ parent: Element, label: String, xLabels: [String], xLabel: String, yLabel: String,
                      series: [(name: String, mean: [Double], low: [Double], high: [Double])], marks: [Int] = [], dataValues: Bool = false) {
        let s = scale(series.flatMap { $0.low + $0.high + $0.mean })
        var f = Frame()
        f.left = max(leftMargin(s), textWidth(xLabels.first ?? "") / 2 + 4)
        f.right = max(16, textWidth(xLabels.last ?? "") / 2 + 4)
        let items = series.enumerated().map { (String($0.element.name.prefix(40)), palette[$0.offset % palette.count]) }
        let legendHeight = legend(parent, left: 0, top: 0, width: f.plotWidth, items: items, draw: false)
        f.bottom = 50 + legendHeight
        f.height = 216 + f.bottom
        let svg = parent.addSVG(width: f.width, height: f.height, label: label)
        let y = yAxis(svg, f, s, label: yLabel)
        let n = max(xLabels.count, 1)
        let x = { (i: Int) in f.left + f.plotWidth * (n == 1 ? 0.5 : Double(i) / Double(n - 1)) }
        categoryAxis(svg, f, labels: xLabels, at: xLabels.indices.map(x), title: xLabel)
        for m in marks where m < n {
            svg.add("line", ["x1": fmt(x(m)), "x2": fmt(x(m)), "y1": fmt(f.top), "y2": fmt(f.top + f.plotHeight),
                             "stroke": "#b03a5b", "stroke-dasharray": "4 3"])
        }
        for (k, ser) in series.enumerated() {
            let colour = palette[k % palette.count]
            if ser.mean.count > 1 {
                let upper = ser.high.indices.map { "\(fmt(x($0))),\(fmt(y(ser.high[$0])))" }
                let lower = ser.low.indices.reversed().map { "\(fmt(x($0))),\(fmt(y(ser.low[$0])))" }
                svg.add("polygon", ["class": "band", "points": (upper + lower).joined(separator: " "), "fill": colour])
                svg.add("polyline", ["data-series": "\(k)", "points": ser.mean.indices.map { "\(fmt(x($0))),\(fmt(y(ser.mean[$0])))" }.joined(separator: " "),
                                     "fill": "none", "stroke": colour, "stroke-width": "2"])
            }
            for (i, v) in ser.mean.enumerated() {
                let c = svg.add("circle", ["data-series": "\(k)", "cx": fmt(x(i)), "cy": fmt(y(v)), "r": "3", "fill": colour])
                if dataValues {
                    c.set("data-value", String(v)); c.set("data-low", String(ser.low[i])); c.set("data-high", String(ser.high[i]))
                }
            }
        }
        legend(svg, left: f.left, top: f.top + f.plotHeight + 46, width: f.plotWidth, items: items)
    }

    /// Horizontal bars split into signed parts (one colour per part name), on a symmetric
    /// x axis with ticks and a title.
    static func shares(_ parent: Element, label: String, xLabel: String, partNames: [String], bars: [(name: String, parts: [Double])]) {
        let rowH = 22.0, width = 640.0
        let names = bars.map { String($0.name.prefix(32)) }
        let left = max(60, (names.map(textWidth).max() ?? 0) + 12), right = 24.0
        let maxAbs = max(1e-9, bars.map { b in max(b.parts.filter { $0 > 0 }.reduce(0, +), -b.parts.filter { $0 < 0 }.reduce(0, +)) }.max() ?? 1)
        let s = NiceScale(lo: -maxAbs, hi: maxAbs, maxTicks: 6)
        let plotBottom = 8 + rowH * Double(bars.count)
        let colours = [palette[1], palette[2], palette[4]]
        let items = partNames.enumerated().map { ($0.element, colours[$0.offset % colours.count]) }
        var f = Frame()
        f.width = width; f.left = left; f.right = right; f.top = 4
        f.height = plotBottom + 46 + legend(parent, left: 0, top: 0, width: width - left - right, items: items, draw: false) + 6
        f.bottom = f.height - plotBottom
        let svg = parent.addSVG(width: f.width, height: f.height, label: label)
        let x = xAxis(svg, f, s, label: xLabel)
        for v in s.ticks { svg.add("line", ["class": "grid", "x1": fmt(x(v)), "x2": fmt(x(v)), "y1": fmt(f.top), "y2": fmt(plotBottom)]) }
        svg.add("line", ["class": "axis", "x1": fmt(x(0)), "x2": fmt(x(0)), "y1": fmt(f.top), "y2": fmt(plotBottom)])
        for (i, b) in bars.enumerated() {
            let yy = 8 + rowH * Double(i)
            svg.add("text", ["x": fmt(left - 6), "y": fmt(yy + 12.5), "text-anchor": "end"], text: names[i])
            var pos = 0.0, neg = 0.0
            for (k, v) in b.parts.enumerated() {
                let from = v >= 0 ? pos : neg + v
                if v >= 0 { pos += v } else { neg += v }
                svg.add("rect", ["data-series": "\(k)", "x": fmt(x(from)), "y": fmt(yy), "width": fmt(max(abs(x(from + abs(v)) - x(from)), 0.5)),
                                 "height": fmt(rowH - 6), "fill": colours[k % colours.count]])
            }
        }
        legend(svg, left: left, top: plotBottom + 44, width: width - left - right, items: items)
    }
}
