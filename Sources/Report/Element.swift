import CLibXML2
import Foundation
import ResultStore

/// An element of a page; children are created through the API only.
public struct Element {
    let node: xmlNodePtr

    /// Appends `<name>` in the parent's namespace (XHTML, or SVG inside an svg element).
    @discardableResult
    public func add(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], text: String? = nil) -> Element {
        let child = xmlNewChild(node, node.pointee.ns, name, nil)!
        let e = Element(node: child)
        for (k, v) in attributes { e.set(k, v) }
        if let text { e.text(text) }
        return e
    }

    /// Appends an `<svg>` element in the SVG namespace.
    @discardableResult
    public func addSVG(width: Double, height: Double, label: String) -> Element {
        let child = xmlNewChild(node, nil, "svg", nil)!
        let ns = xmlNewNs(child, Page.svg, nil)
        xmlSetNs(child, ns)
        let e = Element(node: child)
        e.set("width", fmt(width)); e.set("height", fmt(height))
        e.set("viewBox", "0 0 \(fmt(width)) \(fmt(height))")
        e.set("role", "img"); e.set("aria-label", label)
        e.add("title", text: label)
        e.add("style", text: Element.svgStyle)
        e.add("rect", ["class": "background", "x": "0", "y": "0", "width": fmt(width), "height": fmt(height), "fill": "#fff"])
        return e
    }

    /// The look of every chart, inside each SVG so that a figure saved from the page (or the
    /// figures/*.svg copy) renders the same alone. Selectors are scoped to svg: in an XHTML
    /// page an inline SVG's style applies to the whole document. Text without its own fill
    /// attribute gets the ink colour; series colours are presentation attributes that no
    /// rule here overrides.
    static let svgStyle = """
        svg text { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: \(fmt(Charts.fontSize))px; }
        svg text:not([fill]) { fill: \(Charts.ink); }
        svg .axis { stroke: #9aa3b0; stroke-width: 1; }
        svg .grid { stroke: #e3e7ed; stroke-width: 1; }
        svg .band { opacity: 0.18; }
        """

    /// Sets an attribute; the value is escaped by libxml2 on output.
    public func set(_ name: String, _ value: String) { xmlSetProp(node, name, DisplayText.neutralised(value)) }

    /// Appends a text node: never parsed as markup or entities.
    /// Control characters and bidirectional overrides are shown as U+FFFD (DisplayText): a C0
    /// byte would make the page malformed XHTML, an override would reorder what follows.
    public func text(_ s: String) { xmlAddChild(node, xmlNewDocText(node.pointee.doc, DisplayText.neutralised(s))) }

    /// Removes every child (a template's placeholder content).
    public func clear() {
        var c = node.pointee.children
        while let n = c {
            c = n.pointee.next
            xmlUnlinkNode(n)
            xmlFreeNode(n)
        }
    }
}
