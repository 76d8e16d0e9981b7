import Foundation
import Linalg
import Testing
@testable import Report

// The page layer's own helpers: number formatting and the HTML-safe serialisation.

struct NumberFormatTests {
    /// The previous formatter (round, then Swift's shortest round-trip printing), as the oracle
    /// wherever it printed plain decimals.
    static func reference(_ v: Double, _ digits: Int) -> String {
        let scale = [1.0, 10, 100, 1000, 10_000, 100_000, 1_000_000][digits]
        let r = (v * scale).rounded() / scale
        if r == 0 { return "0" }
        var s = "\(r)"
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    @Test func matchesRoundingThenShortestPrinting() {
        var rng = RandomStream(key: RandomKey("fmt"))
        var checked = 0
        for k in 0..<200_000 {
            let magnitude = pow(10, Double(rng.uniform(-3, 7)))
            let v = (k % 2 == 0 ? 1 : -1) * magnitude * Double(rng.uniform())
            let digits = k % 7
            let expected = Self.reference(v, digits)
            guard !expected.contains("e") else { continue }
            #expect(fmt(v, digits) == expected, "\(v) at \(digits) digits")
            checked += 1
        }
        #expect(checked > 150_000)
        // Ties round away from zero; small values stay plain decimals; odd inputs stay safe.
        #expect(fmt(0.125, 2) == "0.13" && fmt(-0.125, 2) == "-0.13" && fmt(2.5, 0) == "3")
        #expect(fmt(0.00001, 6) == "0.00001" && fmt(-0.004, 2) == "0" && fmt(1234.5, 2) == "1234.5")
        #expect(fmt(.nan) == "0" && fmt(.infinity) == "0" && fmt(3e15, 6) == "3000000000000000" && fmt(1e300) == "1e+300")
    }
}

struct EmptyElementTests {
    /// Non-void empty elements get an explicit end tag (an HTML parser would leave `<div/>`
    /// open); void elements, declarations and text stay as they are.
    @Test func expandsOnlyNonVoidEmptyElements() {
        let input = #"<?xml version="1.0"?><p>a &gt; b<b/>c</p><div id="x"/><br/><svg><rect x="1"/><text/></svg><!-- x/ -->tail"#
        let expected = #"<?xml version="1.0"?><p>a &gt; b<b></b>c</p><div id="x"></div><br/><svg><rect x="1"/><text></text></svg><!-- x/ -->tail"#
        let out = Page.expandEmptyElements(ArraySlice(Array(input.utf8)))
        #expect(String(decoding: out, as: UTF8.self) == expected)
        #expect(Page.expandEmptyElements(ArraySlice(Array("no markup".utf8))) == Array("no markup".utf8))
        #expect(Page.expandEmptyElements(ArraySlice(Array("broken <tag".utf8))) == Array("broken <tag".utf8))
    }
}

struct FigureFormatTests {
    @Test func smallFiguresKeepTheirDigits() {
        #expect(figure(2.91e-7) == "2.91e-7")
        #expect(figure(-5.333e-3) == "-5.33e-3")
        #expect(figure(9.996e-5) == "1e-4")
        #expect(figure(0.01) == "0.01" && figure(0) == "0" && figure(333.0991) == "333.099")
    }
}
