import Analysis
import Foundation

extension Charts {
    /// Order cost against an outcome, one dot per order; the guided (cheapest) order, the best
    /// and the worst orders drawn larger and named in the legend below the axes.
    static func orderingScatter(_ parent: Element, label: String, yLabel: String, analysis a: OrderingValidation.Analysis) {
        var f = Frame()
        f.bottom = 92
        f.height = 308
        let pts = a.orders.map { ($0.cost, $0.outcome.estimate) }
        let xs = scale(pts.map(\.0)), ys = scale(pts.map(\.1))
        f.left = leftMargin(ys)
        f.right = max(16, textWidth(fmt(xs.hi, xs.digits)) / 2 + 4)
        let svg = parent.addSVG(width: f.width, height: f.height, label: label)
        let y = yAxis(svg, f, ys, label: yLabel)
        let x = xAxis(svg, f, xs, label: "order cost C(π) at the pretrained model (dimensionless)")
        let base = f.top + f.plotHeight
        for p in pts { svg.add("circle", ["cx": fmt(x(p.0)), "cy": fmt(y(p.1)), "r": "2.5", "fill": palette[0], "fill-opacity": "0.45"]) }
        let marks: [(String, OrderingValidation.PerOrder, String)] = [("guided", a.guided, palette[1]), ("best", a.best, palette[2]), ("worst", a.worst, palette[3])]
        for (k, m) in marks.enumerated() {
            let (name, o, colour) = m
            svg.add("circle", ["cx": fmt(x(o.cost)), "cy": fmt(y(o.outcome.estimate)), "r": "\(6 - k)", "fill": "none", "stroke": colour, "stroke-width": "2"])
            let ly = base + 52 + Double(k) * 17
            svg.add("circle", ["cx": fmt(f.left + 6), "cy": fmt(ly - 4), "r": "4", "fill": "none", "stroke": colour, "stroke-width": "2"])
            svg.add("text", ["x": fmt(f.left + 16), "y": fmt(ly)],
                    text: "\(name): \(o.order.joined(separator: " > ")) (cost \(fmt(o.cost, 3)), \(fmt(o.outcome.estimate, 3)))")
        }
    }
}
