import Foundation
import Testing
@testable import Report

/// NiceScale against ranges whose 1-2-5 ticks were worked out by hand.
struct NiceScaleTests {
    func check(_ lo: Double, _ hi: Double, max: Int = 5, ticks expected: [Double], step: Double, digits: Int) {
        let s = NiceScale(lo: lo, hi: hi, maxTicks: max)
        #expect(s.ticks.count == expected.count, "\(lo)...\(hi): \(s.ticks)")
        for (a, b) in zip(s.ticks, expected) { #expect(abs(a - b) < 1e-12, "\(lo)...\(hi): \(s.ticks)") }
        #expect(abs(s.step - step) < 1e-15)
        #expect(s.digits == digits)
        #expect(s.lo <= lo && s.hi >= hi)
        #expect(s.lo == s.ticks.first && s.hi == s.ticks.last)
    }

    @Test func handComputedCases() {
        // The odd ticks 0.63, 0.7, 0.78: steps 0.01 and 0.02 need 15 and 8 intervals, 0.05 needs 4.
        check(0.63, 0.78, ticks: [0.6, 0.65, 0.7, 0.75, 0.8], step: 0.05, digits: 2)
        check(0, 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1], step: 0.2, digits: 1)
        // Straddling zero: 0.05 covers -0.05...0.15 in 4 intervals.
        check(-0.03, 0.12, ticks: [-0.05, 0, 0.05, 0.1, 0.15], step: 0.05, digits: 2)
        check(0, 1000, ticks: [0, 200, 400, 600, 800, 1000], step: 200, digits: 0)
        check(12, 87, ticks: [0, 20, 40, 60, 80, 100], step: 20, digits: 0)
        // Degenerate range: widened by half a unit of its magnitude, then step 0.5.
        check(3, 3, ticks: [2.5, 3, 3.5], step: 0.5, digits: 1)
        check(0, 0, ticks: [-0.5, 0, 0.5], step: 0.5, digits: 1)
        // More ticks allowed: step 0.1 over 0...1.
        check(0, 1, max: 10, ticks: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1], step: 0.1, digits: 1)
        // Reversed input is the same range.
        check(0.78, 0.63, ticks: [0.6, 0.65, 0.7, 0.75, 0.8], step: 0.05, digits: 2)
    }

    @Test func everyTickIsAStepMultipleWithOneTwoFiveMantissa() {
        for (lo, hi) in [(0.0012, 0.0049), (-7.3, 2.1), (0.5, 0.500001), (123.0, 98765.0)] {
            let s = NiceScale(lo: lo, hi: hi)
            let mantissa = s.step / pow(10, floor(log10(s.step)))
            #expect([1.0, 2.0, 5.0].contains { abs($0 - mantissa) < 1e-9 }, "\(s.step)")
            #expect(s.ticks.count - 1 <= 5 && s.ticks.count >= 2)
            for t in s.ticks { #expect(abs(t / s.step - (t / s.step).rounded()) < 1e-9) }
        }
    }
}
