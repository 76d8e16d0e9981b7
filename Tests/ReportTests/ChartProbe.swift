import Foundation

/// A script run inside Chromium on a copy of a page (or of a saved SVG): it measures every
/// chart through computed styles and bounding boxes and writes what failed into an attribute
/// of the root element, which `--dump-dom` then shows.
struct ChartProbe {
    var failures: [String] = []
    var svgs = 0, texts = 0, swatches = 0

    static let script = #"""
    (function () {
      const out = [], count = { svgs: 0, texts: 0, swatches: 0 };
      const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
      document.querySelectorAll('svg').forEach((svg, i) => {
        count.svgs++;
        const r = svg.getBoundingClientRect();
        svg.querySelectorAll('text').forEach(t => {
          if (!t.textContent.trim()) return;
          count.texts++;
          const b = t.getBoundingClientRect(), size = parseFloat(getComputedStyle(t).fontSize);
          if (size < 12) out.push('svg' + i + ' text below 12px (' + size + '): ' + t.textContent);
          if (b.left < r.left - 0.5 || b.right > r.right + 0.5 || b.top < r.top - 0.5 || b.bottom > r.bottom + 0.5)
            out.push('svg' + i + ' text outside its SVG: ' + t.textContent + ' [' + [b.left, b.top, b.right, b.bottom].map(Math.round) + '] in [' + [r.left, r.top, r.right, r.bottom].map(Math.round) + ']');
        });
        const boxes = [], fills = new Set();
        svg.querySelectorAll('rect.swatch').forEach(s => {
          count.swatches++;
          const k = s.getAttribute('data-series'), fill = getComputedStyle(s).fill;
          fills.add(fill);
          const label = s.nextElementSibling;
          if (fill === 'none' || fill === getComputedStyle(label).fill) out.push('svg' + i + ' swatch ' + k + ' not coloured: ' + fill);
          const marks = Array.from(svg.querySelectorAll('[data-series="' + k + '"]:not(.swatch)'));
          if (marks.length === 0) out.push('svg' + i + ' swatch ' + k + ' has no series');
          marks.forEach(m => {
            const c = getComputedStyle(m), colour = m.tagName === 'polyline' ? c.stroke : c.fill;
            if (colour !== fill) out.push('svg' + i + ' swatch ' + k + ' is ' + fill + ', its series ' + m.tagName + ' ' + colour);
          });
          boxes.push(s.getBoundingClientRect(), label.getBoundingClientRect());
        });
        if (fills.size !== svg.querySelectorAll('rect.swatch').length) out.push('svg' + i + ' legend swatches share colours');
        for (let a = 0; a < boxes.length; a++) for (let b = a + 1; b < boxes.length; b++)
          if (overlap(boxes[a], boxes[b])) out.push('svg' + i + ' legend entries overlap');
        svg.querySelectorAll('.band').forEach(b => { if (parseFloat(getComputedStyle(b).opacity) > 0.5) out.push('svg' + i + ' CI band opaque'); });
        svg.querySelectorAll('.grid').forEach(g => { if (getComputedStyle(g).stroke === 'none') out.push('svg' + i + ' grid line not stroked'); });
      });
      // Tables must fit the 1280 px window: a column cut off at the edge is unreadable in a screenshot.
      document.querySelectorAll('table').forEach((t, i) => {
        const r = t.getBoundingClientRect();
        if (r.right > window.innerWidth + 0.5) out.push('table' + i + ' wider than the window (' + Math.round(r.right) + ' > ' + window.innerWidth + ')');
      });
      document.documentElement.setAttribute('data-probe', JSON.stringify({ failures: out, svgs: count.svgs, texts: count.texts, swatches: count.swatches }));
    })();
    """#

    /// A page: the script is appended to a copy next to it (same relative links).
    static func run(page: String, _ dump: (String) throws -> String) throws -> ChartProbe {
        let html = try String(contentsOfFile: page, encoding: .utf8)
        guard let end = html.range(of: "</body>", options: .backwards) else { return ChartProbe(failures: ["no </body>"]) }
        return try run(html.replacingCharacters(in: end, with: "<script>\(script)</script></body>"), like: page, ext: "html", dump)
    }

    /// A saved SVG alone: the script goes inside it, as SVG allows.
    static func run(svg: String, _ dump: (String) throws -> String) throws -> ChartProbe {
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        guard let end = text.range(of: "</svg>", options: .backwards) else { return ChartProbe(failures: ["no </svg>"]) }
        return try run(text.replacingCharacters(in: end, with: "<script><![CDATA[\(script)]]></script></svg>"), like: svg, ext: "svg", dump)
    }

    static func run(_ content: String, like original: String, ext: String, _ dump: (String) throws -> String) throws -> ChartProbe {
        let copy = (original as NSString).deletingLastPathComponent + "/probe-\(UUID().uuidString).\(ext)"
        try content.write(toFile: copy, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let dom = try dump(copy)
        guard let start = dom.range(of: "data-probe=\""), let stop = dom[start.upperBound...].firstIndex(of: "\"") else {
            return ChartProbe(failures: ["the probe did not run: \(dom.prefix(300))"])
        }
        let json = dom[start.upperBound..<stop].replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        struct Result: Decodable { var failures: [String]; var svgs: Int; var texts: Int; var swatches: Int }
        let r = try JSONDecoder().decode(Result.self, from: Data(json.utf8))
        return ChartProbe(failures: r.failures, svgs: r.svgs, texts: r.texts, swatches: r.swatches)
    }
}
