import CLibXML2
import Foundation

/// A thin, safe layer over libxml2's DOM: every string a user supplied enters the tree as a
/// text node or an attribute value through the API, never as markup, so a method called
/// `<script>` stays text.
public final class Page {
    let doc: xmlDocPtr
    public let path: String

    static let xhtml = "http://www.w3.org/1999/xhtml"
    static let svg = "http://www.w3.org/2000/svg"

    /// Parses a template; external entities and network access are never enabled.
    public init(template path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw ReportError("\(path): template not found") }
        xmlSetGenericErrorFunc(nil, nil)
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        guard let d = xmlReadFile(path, "UTF-8", options) else {
            let detail = xmlGetLastError().map { e -> String in
                let msg = e.pointee.message.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "malformed"
                return "line \(e.pointee.line): \(msg)"
            } ?? "malformed XML"
            throw ReportError("\(path): not well-formed XHTML (\(detail))")
        }
        doc = d
        self.path = path
    }

    /// Parses a document held in memory (`name` stands for it in messages), with the same options.
    public init(xml: String, name: String) throws {
        xmlSetGenericErrorFunc(nil, nil)
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let bytes = Array(xml.utf8)
        guard let d = bytes.withUnsafeBufferPointer({ b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { xmlReadMemory($0, Int32(b.count), name, "UTF-8", options) }
        }) else { throw ReportError("\(name): not well-formed XML") }
        doc = d
        path = name
    }

    /// A fresh copy of an already parsed page (cheaper than parsing the template again).
    public init(copying other: Page) {
        doc = xmlCopyDoc(other.doc, 1)
        path = other.path
    }

    deinit { xmlFreeDoc(doc) }

    /// The libxml2 the pages are built with (for `clvbench doctor`).
    public static var libxml2Version: String { String(cString: clv_libxml_version()) }

    public var root: Element { Element(node: xmlDocGetRootElement(doc)!) }

    /// The element with this id attribute; a template that lacks it is an error naming both.
    public func element(id: String) throws -> Element {
        func find(_ n: xmlNodePtr?) -> xmlNodePtr? {
            var cur = n
            while let c = cur {
                if c.pointee.type == XML_ELEMENT_NODE {
                    if let v = xmlGetProp(c, "id") {
                        let match = String(cString: v) == id
                        clv_xml_free(v)
                        if match { return c }
                    }
                    if let f = find(c.pointee.children) { return f }
                }
                cur = c.pointee.next
            }
            return nil
        }
        guard let n = find(xmlDocGetRootElement(doc)) else { throw ReportError("\(path): no element with id=\"\(id)\"") }
        return Element(node: n)
    }

    /// Serialises as XHTML that browsers also read as HTML (explicit end tags for empty
    /// non-void elements), without an XML declaration. Written atomically.
    public func write(to file: String) throws {
        let raw = [UInt8](try dump(file, indent: false))
        var start = 0
        if raw.starts(with: Array("<?xml".utf8)), let end = raw.firstIndex(of: UInt8(ascii: "\n")) { start = end + 1 }
        let bytes = Array("<!DOCTYPE html>\n".utf8) + Page.expandEmptyElements(raw[start...])
        // A plain write: the site is rendered whole into a staging directory (SiteDirectory),
        // and a temporary file plus rename per page cost more than the rest of a run page's rendering.
        try Page.writeFile(file, bytes)
    }

    /// Writes `bytes` to a new file, checking every write and the close (a full disk shows
    /// at either).
    static func writeFile(_ file: String, _ bytes: [UInt8]) throws {
        func failure(_ what: String) -> ReportError { ReportError("\(file): \(what) (\(String(cString: strerror(errno))))") }
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot write the page") }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let e = failure("cannot write the page")
                close(fd)
                throw e
            }
            done += n
        }
        guard close(fd) == 0 else { throw failure("cannot write the page") }
    }

    /// Serialises as plain XML with its declaration (feeds).
    public func writeXML(to file: String) throws {
        try Page.writeFile(file, [UInt8](try dump(file, indent: true)))
    }

    /// The document as UTF-8 bytes, with its XML declaration.
    private func dump(_ file: String, indent: Bool) throws -> Data {
        var buffer: UnsafeMutablePointer<xmlChar>?
        var size: Int32 = 0
        xmlDocDumpFormatMemoryEnc(doc, &buffer, &size, "UTF-8", indent ? 1 : 0)
        guard let buffer else { throw ReportError("\(file): could not serialise the document") }
        defer { clv_xml_free(buffer) }
        return Data(UnsafeBufferPointer(start: buffer, count: Int(size)))
    }

    static let voidElements: Set<[UInt8]> = Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                                                 "track", "wbr", "circle", "rect", "line", "path", "polyline", "polygon", "ellipse",
                                                 "stop", "use"].map { Array($0.utf8) })

    /// `<div/>` means an unclosed div to an HTML parser; write `<div></div>` except for void
    /// elements. Works on UTF-8 bytes (markup characters are ASCII), which keeps it linear and fast.
    static func expandEmptyElements(_ slice: ArraySlice<UInt8>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(slice.count + slice.count / 8)
        let lt = UInt8(ascii: "<"), gt = UInt8(ascii: ">"), slash = UInt8(ascii: "/")
        slice.withUnsafeBufferPointer { b in
            let n = b.count
            var i = 0
            while i < n {
                // Text up to the next tag in one piece.
                var open = i
                while open < n && b[open] != lt { open += 1 }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<open]))
                guard open < n else { break }
                var close = open
                while close < n && b[close] != gt { close += 1 }
                guard close < n else { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[open..<n])); break }
                let selfClosing = close > open + 1 && b[close - 1] == slash && b[open + 1] != UInt8(ascii: "!") && b[open + 1] != UInt8(ascii: "?")
                var e = open + 1
                if selfClosing {
                    while e < close && b[e] != UInt8(ascii: " ") && b[e] != slash && b[e] != UInt8(ascii: "\n") { e += 1 }
                }
                let name = UnsafeBufferPointer(rebasing: b[(open + 1)..<e])
                if selfClosing && !voidElements.contains(Array(name)) {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: b[open..<(close - 1)]))
                    out.append(gt)
                    out.append(lt); out.append(slash); out.append(contentsOf: name); out.append(gt)
                } else {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: b[open...close]))
                }
                i = close + 1
            }
        }
        return out
    }
}
