import Foundation

extension Charts {
    /// The colour of an AUROC on the diverging scale the pairwise heatmaps share: white at 0.5
    /// (chance), blue towards 1 (the out-environment is told apart), orange towards 0 (it scores
    /// as more in-distribution than the in-environment itself). Fixed ends, so every stage and
    /// group reads on the same scale.
    static func aurocColour(_ v: Double) -> String {
        let t = max(-1, min(1, (v - 0.5) / 0.5))
        let (r, g, b) = t >= 0 ? (42.0, 93.0, 176.0) : (217.0, 130.0, 43.0)
        let w = abs(t)
        func mix(_ c: Double) -> Int { Int((255 - (255 - c) * w).rounded()) }
        return "rgb(\(mix(r)),\(mix(g)),\(mix(b)))"
    }

    /// Pairwise AUROC as a matrix: rows the in-distribution environment, columns the OOD one,
    /// each cell coloured on `aurocColour`'s scale with its value written in it (3 decimals),
    /// the diagonal marked as not a pair, and below the matrix the colour scale with its ticks.
    static func aurocHeatmap(_ parent: Element, label: String, title: String, environments: [String], values: [[Double]]) {
        let rowTitle = "in-distribution environment", columnTitle = "OOD environment"
        let cellW = max(58, (environments.map(textWidth).max() ?? 0) + 10), cellH = 30.0
        let left = 30 + (environments.map(textWidth).max() ?? 0) + 6
        let top = 62.0
        let gridW = cellW * Double(environments.count), gridBottom = top + cellH * Double(environments.count)
        let scaleTop = gridBottom + 14, steps = 10
        let scaleW = max(gridW, 200.0), stepW = scaleW / Double(steps)
        let width = max(left + max(gridW, scaleW) + 12, textWidth(title) + 16, left + textWidth(columnTitle) + 12)
        let height = scaleTop + 14 + 18 + 22
        let svg = parent.addSVG(width: width, height: height, label: label)
        svg.add("text", ["x": "8", "y": "16"], text: title)
        matrixHeader(svg, left: left, top: top, cellWidth: cellW, cellHeight: cellH, rowCount: environments.count, columns: environments,
                     rowTitle: rowTitle, columnTitle: columnTitle, columnTitleY: 36, labelY: 54)
        for (i, r) in environments.enumerated() {
            let yy = top + cellH * Double(i)
            svg.add("text", ["x": fmt(left - 6), "y": fmt(yy + 19), "text-anchor": "end"], text: r)
            for j in environments.indices {
                let v = values[i][j], x = left + cellW * Double(j)
                let cell = svg.add("rect", ["class": "cell", "data-row": r, "data-column": environments[j],
                                            "x": fmt(x), "y": fmt(yy), "width": fmt(cellW - 2), "height": fmt(cellH - 2)])
                if i == j || !v.isFinite {
                    cell.set("fill", "#eef0f3")
                    svg.add("text", ["x": fmt(x + cellW / 2), "y": fmt(yy + 19), "text-anchor": "middle", "fill": "#6b7280"], text: "–")
                    continue
                }
                cell.set("fill", aurocColour(v))
                cell.set("data-value", String(v))
                svg.add("text", ["class": "value", "x": fmt(x + cellW / 2), "y": fmt(yy + 19), "text-anchor": "middle",
                                 "fill": abs(v - 0.5) > 0.3 ? "#fff" : ink], text: fmt(v, 3))
            }
        }
        // The colour scale: ten steps from 0 to 1, ticks at 0, 0.5 (chance) and 1.
        for k in 0..<steps {
            svg.add("rect", ["class": "scale", "x": fmt(left + stepW * Double(k)), "y": fmt(scaleTop), "width": fmt(stepW), "height": "12",
                             "fill": aurocColour((Double(k) + 0.5) / Double(steps))])
        }
        for (v, anchor) in [(0.0, "start"), (0.5, "middle"), (1.0, "end")] {
            svg.add("text", ["x": fmt(left + scaleW * v), "y": fmt(scaleTop + 27), "text-anchor": anchor], text: fmt(v, 1))
        }
        svg.add("text", ["x": fmt(left + scaleW / 2), "y": fmt(scaleTop + 45), "text-anchor": "middle"], text: "MCM AUROC (0.5 = chance)")
    }
}
