import CLibXML2
import Foundation

/// A chart of a page as a standalone SVG file (figures/NAME.svg in the site).
struct Figure {
    var file: String
    var bytes: [UInt8]
}

extension Page {
    /// Every inline SVG of the page, serialised alone (it carries its namespace and its own
    /// style, Element.addSVG), each followed on the page by a link to its file
    /// `hrefPrefix + base-K.svg` (K from 1 in page order).
    func extractFigures(base: String, hrefPrefix: String) -> [Figure] {
        var svgs: [xmlNodePtr] = []
        func walk(_ n: xmlNodePtr?) {
            var cur = n
            while let c = cur {
                if c.pointee.type == XML_ELEMENT_NODE {
                    if String(cString: c.pointee.name) == "svg", let ns = c.pointee.ns, String(cString: ns.pointee.href) == Page.svg {
                        svgs.append(c)
                    } else {
                        walk(c.pointee.children)
                    }
                }
                cur = c.pointee.next
            }
        }
        walk(xmlDocGetRootElement(doc))
        var figures: [Figure] = []
        for (k, node) in svgs.enumerated() {
            let file = "\(base)-\(k + 1).svg"
            let buffer = xmlBufferCreate()!
            xmlNodeDump(buffer, doc, node, 0, 0)
            let markup = Array(UnsafeBufferPointer(start: xmlBufferContent(buffer), count: Int(xmlBufferLength(buffer))))
            xmlBufferFree(buffer)
            figures.append(Figure(file: file, bytes: Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".utf8) + markup + [10]))
            guard let parent = node.pointee.parent else { continue }
            let p = xmlNewDocNode(doc, parent.pointee.ns, "p", nil)!
            xmlAddNextSibling(node, p)
            let e = Element(node: p)
            e.set("class", "download")
            e.add("a", ["href": hrefPrefix + file, "download": file], text: "Download this figure (SVG)")
        }
        return figures
    }
}
