import Foundation

/// A key for counter-based random streams, derived by hashing a path such as
/// ("suite-seed", 7, "method", "ewc", "order", "2-0-1", "stage", 3).
///
/// Seeds are never drawn from a global generator: a stream depends only on its key, so two
/// cells that share an order prefix see the same numbers, whatever else ran before them.
public struct RandomKey: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt64

    public init(value: UInt64) { self.value = value }

    /// Hashes the components in order. Each component is tagged with its kind and length, so
    /// ("ab", "c") and ("a", "bc") give different keys.
    public init(_ components: RandomPathComponent...) { self.init(path: components) }

    public init(path: [RandomPathComponent]) {
        var h = StableHasher()
        for c in path { c.feed(into: &h) }
        value = h.finish()
    }

    /// A key one level below this one.
    public func child(_ components: RandomPathComponent...) -> RandomKey {
        var h = StableHasher()
        h.feed(UInt64(0x6b65_7920_6368_696c))  // "key chil": separates parent from children
        h.feed(value)
        for c in components { c.feed(into: &h) }
        return RandomKey(value: h.finish())
    }

    public var description: String { String(format: "%016llx", value) }
}

/// What may appear in a key path.
public enum RandomPathComponent: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case int(Int64)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(Int64(value)) }
    public static func int(_ v: Int) -> RandomPathComponent { .int(Int64(v)) }

    fileprivate func feed(into h: inout StableHasher) {
        switch self {
        case .string(let s):
            let bytes = Array(s.utf8)
            h.feed(UInt64(1) << 56 | UInt64(bytes.count))
            h.feed(bytes: bytes)
        case .int(let v):
            h.feed(UInt64(2) << 56)
            h.feed(UInt64(bitPattern: v))
        }
    }
}

/// FNV-1a over bytes, finished with the SplitMix64 mixer. Stable across processes and
/// platforms (unlike Swift's `Hasher`, which is seeded per process): cache keys, run ids and
/// checksums use it.
public struct StableHasher: Sendable {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func feed<C: Collection>(bytes: C) where C.Element == UInt8 {
        for b in bytes {
            state ^= UInt64(b)
            state = state &* 0x0000_0100_0000_01b3
        }
    }

    public mutating func feed(_ string: String) {
        feed(UInt64(string.utf8.count))
        feed(bytes: Array(string.utf8))
    }

    public mutating func feed(_ v: UInt64) {
        var x = v
        for _ in 0..<8 {
            state ^= x & 0xff
            state = state &* 0x0000_0100_0000_01b3
            x >>= 8
        }
    }

    public func finish() -> UInt64 { splitMix64(state) }

    /// Hex digest of a string, for file names and ids.
    public static func hex(_ string: String) -> String {
        var h = StableHasher()
        h.feed(string)
        return String(format: "%016llx", h.finish())
    }
}

@inline(__always)
func splitMix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9e37_79b9_7f4a_7c15
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
}

/// Philox4x32-10 (Salmon et al., SC'11): block `counter` under `key` gives four 32-bit words.
/// Counter-based, so block 10,000 costs the same as block 0.
@inline(__always)
public func philox4x32(counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32))
    -> (UInt32, UInt32, UInt32, UInt32)
{
    var c = counter
    var k = key
    for round in 0..<10 {
        if round > 0 {
            k.0 &+= 0x9E37_79B9
            k.1 &+= 0xBB67_AE85
        }
        let p0 = UInt64(0xD251_1F53) &* UInt64(c.0)
        let p1 = UInt64(0xCD9E_8D57) &* UInt64(c.2)
        c = (UInt32(truncatingIfNeeded: p1 >> 32) ^ c.1 ^ k.0, UInt32(truncatingIfNeeded: p1),
             UInt32(truncatingIfNeeded: p0 >> 32) ^ c.3 ^ k.1, UInt32(truncatingIfNeeded: p0))
    }
    return c
}

/// A stream of random numbers: Philox blocks 0, 1, 2, ... under one key, optionally in a
/// numbered substream (so "sample i" can own a stream without hashing a new key).
public struct RandomStream: Sendable {
    public let key: RandomKey
    public let substream: UInt64
    private var block: UInt64
    private var buffer: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    private var used = 4

    public init(key: RandomKey, substream: UInt64 = 0, startBlock: UInt64 = 0) {
        self.key = key
        self.substream = substream
        self.block = startBlock
    }

    public mutating func nextUInt32() -> UInt32 {
        if used == 4 {
            buffer = philox4x32(
                counter: (UInt32(truncatingIfNeeded: block), UInt32(truncatingIfNeeded: block >> 32),
                          UInt32(truncatingIfNeeded: substream), UInt32(truncatingIfNeeded: substream >> 32)),
                key: (UInt32(truncatingIfNeeded: key.value), UInt32(truncatingIfNeeded: key.value >> 32)))
            block &+= 1
            used = 0
        }
        defer { used += 1 }
        switch used {
        case 0: return buffer.0
        case 1: return buffer.1
        case 2: return buffer.2
        default: return buffer.3
        }
    }

    public mutating func nextUInt64() -> UInt64 {
        UInt64(nextUInt32()) << 32 | UInt64(nextUInt32())
    }

    /// Uniform in [0, 1) with 24 random bits (every Float in the grid is reachable).
    public mutating func uniform() -> Float {
        Float(nextUInt32() >> 8) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniformDouble() -> Double {
        Double(nextUInt64() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * uniform()
    }

    /// Standard normal by Box-Muller, computed in Double; one value per call (the pair's
    /// second half is dropped so a value's position in the stream is simple to reason about).
    public mutating func normal() -> Float {
        let u1 = 1.0 - uniformDouble()  // (0, 1], so log is finite
        let u2 = uniformDouble()
        return Float((-2.0 * Foundation.log(u1)).squareRoot() * cos(2.0 * Double.pi * u2))
    }

    /// Uniform integer in 0..<bound for bounds below 2^32, from one 32-bit word per draw
    /// (Lemire's multiply-and-reject at 32 bits): half the Philox work of `int(below:)`, for
    /// loops of millions of draws such as bootstrap resampling. A different stream of values
    /// than `int(below:)`, so training keeps using that one.
    public mutating func smallInt(below bound: Int) -> Int {
        precondition(bound > 0 && bound <= Int(UInt32.max), "smallInt(below:) needs a bound in 1...2^32-1")
        let b = UInt64(bound)
        var product = UInt64(nextUInt32()) &* b
        if UInt32(truncatingIfNeeded: product) < UInt32(truncatingIfNeeded: b) {
            let threshold = UInt32(truncatingIfNeeded: (0 &- b)) % UInt32(truncatingIfNeeded: b)
            while UInt32(truncatingIfNeeded: product) < threshold { product = UInt64(nextUInt32()) &* b }
        }
        return Int(product >> 32)
    }

    /// Uniform integer in 0..<bound without modulo bias (Lemire's multiply-and-reject). The
    /// rejection threshold (2^64 mod bound) is below `bound`, so the division that computes it
    /// is only needed when the low word falls under `bound`: rarely, for small bounds.
    public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0, "int(below:) needs a positive bound")
        let b = UInt64(bound)
        var (hi, lo) = nextUInt64().multipliedFullWidth(by: b)
        if lo < b {
            let threshold = (0 &- b) % b
            while lo < threshold { (hi, lo) = nextUInt64().multipliedFullWidth(by: b) }
        }
        return Int(hi)
    }

    public mutating func bernoulli(_ p: Float) -> Bool { uniform() < p }

    /// A uniformly random permutation of 0..<n (Fisher-Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        shuffle(&p)
        return p
    }

    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            a.swapAt(i, int(below: i + 1))
        }
    }

    /// A matrix of independent N(0, std^2) draws (weight initialisation).
    public mutating func normalMatrix(rows: Int, cols: Int, std: Float = 1) -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        for i in 0..<m.count { m.storage[i] = std * normal() }
        return m
    }
}
