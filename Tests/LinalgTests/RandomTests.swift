import Testing
@testable import Linalg

struct RandomTests {
    /// Known-answer vectors of Philox4x32-10 published with Random123 (kat_vectors).
    @Test func philoxKnownAnswers() {
        let z = philox4x32(counter: (0, 0, 0, 0), key: (0, 0))
        #expect([z.0, z.1, z.2, z.3] == [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8])
        let f = philox4x32(counter: (.max, .max, .max, .max), key: (.max, .max))
        #expect([f.0, f.1, f.2, f.3] == [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd])
        let p = philox4x32(counter: (0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344),
                           key: (0xa409_3822, 0x299f_31d0))
        #expect([p.0, p.1, p.2, p.3] == [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1])
    }

    @Test func identicalKeysGiveIdenticalStreams() {
        var a = RandomStream(key: RandomKey("suite", 7, "ewc", "0-2-1", "stage", 2))
        var b = RandomStream(key: RandomKey("suite", 7, "ewc", "0-2-1", "stage", 2))
        for _ in 0..<1000 { #expect(a.nextUInt32() == b.nextUInt32()) }
    }

    @Test func keysAreTaggedAndDistinct() {
        #expect(RandomKey("ab", "c") != RandomKey("a", "bc"))
        #expect(RandomKey("1") != RandomKey(1))
        #expect(RandomKey("x").child("y") != RandomKey("x", "y"))
        #expect(RandomKey("x").child("y") == RandomKey("x").child("y"))
    }

    /// A stream depends on its key only, not on which other streams were used before it.
    @Test func streamsAreIndependentOfUseOrder() {
        let keys = (0..<5).map { RandomKey("order-test", .int($0)) }
        func draw(_ k: RandomKey) -> [Float] {
            var s = RandomStream(key: k)
            return (0..<10).map { _ in s.uniform() }
        }
        let forward = keys.map(draw)
        let backward = keys.reversed().map(draw).reversed()
        #expect(forward == Array(backward))
    }

    @Test func randomAccessMatchesSequential() {
        let k = RandomKey("random-access")
        var seq = RandomStream(key: k, substream: 3)
        var all: [UInt32] = []
        for _ in 0..<40 { all.append(seq.nextUInt32()) }
        var jump = RandomStream(key: k, substream: 3, startBlock: 7)
        #expect((0..<12).map { _ in jump.nextUInt32() } == Array(all[28..<40]))
        var other = RandomStream(key: k, substream: 4)
        #expect(other.nextUInt32() != all[0])
    }

    @Test func distributionsHaveTheirMoments() {
        var s = RandomStream(key: RandomKey("moments"))
        let n = 200_000
        var su = 0.0, sn = 0.0, sn2 = 0.0
        for _ in 0..<n {
            let u = s.uniform()
            #expect(u >= 0 && u < 1)
            su += Double(u)
            let g = Double(s.normal())
            sn += g; sn2 += g * g
        }
        // Standard errors: 0.29/sqrt(n) = 6.5e-4 for the uniform mean, 2.2e-3 for the normal mean.
        #expect(abs(su / Double(n) - 0.5) < 0.004)
        #expect(abs(sn / Double(n)) < 0.012)
        #expect(abs(sn2 / Double(n) - 1) < 0.02)
    }

    /// int(below:) against the textbook multiply-and-reject that computes 2^64 mod bound on
    /// every draw: the same values and the same number of words consumed, at bounds where
    /// rejection is rare (6) and where it happens a quarter of the time (2^62 + 1).
    @Test(arguments: [1, 6, 1000, 3_037_000_499, Int.max, Int(1) << 62 | 1])
    func boundedIntegersMatchTheTextbookRejection(bound: Int) {
        var fast = RandomStream(key: RandomKey("lemire", .int(bound)))
        var reference = fast
        for _ in 0..<20_000 {
            let b = UInt64(bound)
            var expected = 0
            while true {
                let (hi, lo) = reference.nextUInt64().multipliedFullWidth(by: b)
                if lo >= (0 &- b) % b { expected = Int(hi); break }
            }
            #expect(fast.int(below: bound) == expected)
        }
        #expect(fast.nextUInt32() == reference.nextUInt32())
    }

    /// smallInt(below:) against the 32-bit textbook rejection, with the threshold computed in
    /// 64-bit arithmetic on every draw, at bounds with rare and with frequent rejection; and
    /// a chi-square check of uniformity.
    @Test(arguments: [1, 6, 1000, 3_000_000_001, Int(UInt32.max)])
    func smallIntegersMatchTheTextbookRejection(bound: Int) {
        var fast = RandomStream(key: RandomKey("lemire32", .int(bound)))
        var reference = fast
        let threshold = (UInt64(1) << 32) % UInt64(bound)
        for _ in 0..<20_000 {
            var expected = 0
            while true {
                let m = UInt64(reference.nextUInt32()) * UInt64(bound)
                if m & 0xFFFF_FFFF >= threshold { expected = Int(m >> 32); break }
            }
            #expect(fast.smallInt(below: bound) == expected)
        }
        #expect(fast.nextUInt32() == reference.nextUInt32())
        if bound == 6 {
            var counts = [Int](repeating: 0, count: 6)
            for _ in 0..<60_000 { counts[fast.smallInt(below: 6)] += 1 }
            let chi = counts.map { Double(($0 - 10_000) * ($0 - 10_000)) / 10_000 }.reduce(0, +)
            #expect(chi < 20.5)
        }
    }

    @Test func integersAndPermutations() {
        var s = RandomStream(key: RandomKey("ints"))
        var counts = [Int](repeating: 0, count: 6)
        for _ in 0..<60_000 { counts[s.int(below: 6)] += 1 }
        // Chi-square with 5 degrees of freedom; 20.5 is the 0.999 quantile.
        let chi = counts.map { Double(($0 - 10_000) * ($0 - 10_000)) / 10_000 }.reduce(0, +)
        #expect(chi < 20.5)
        for n in [0, 1, 2, 17] {
            let p = s.permutation(n)
            #expect(p.sorted() == Array(0..<n))
        }
        // All 6 permutations of 3 appear.
        var seen = Set<[Int]>()
        for _ in 0..<200 { seen.insert(s.permutation(3)) }
        #expect(seen.count == 6)
    }
}
