import Foundation
import Linalg

/// How an emoji environment renders: background style and colours, glyph geometry, colour
/// jitter and noise. Continuous, so the vision dial interpolates as in `VisionDomain`.
public struct EmojiDomain: Sendable, Equatable {
    public var background: [Float]   // RGB around which backgrounds are drawn
    public var backgroundSpread: Float // how far sampled background colours stray from it
    public var texture: Float        // weight of textured (striped, checkered, dotted) backgrounds
    public var gain: [Float]         // per-channel colour gain of the glyph
    public var scale: Float          // mean glyph size, fraction of the image
    public var noise: Float          // per-pixel noise amplitude

    public static let base = EmojiDomain(background: [0.5, 0.5, 0.5], backgroundSpread: 0.45, texture: 0.5,
                                         gain: [1, 1, 1], scale: 0.75, noise: 0.03)

    public static func own(key: RandomKey) -> EmojiDomain {
        var s = RandomStream(key: key)
        return EmojiDomain(background: [s.uniform(0.1, 0.9), s.uniform(0.1, 0.9), s.uniform(0.1, 0.9)],
                           backgroundSpread: s.uniform(0.1, 0.3), texture: s.uniform(0, 1),
                           gain: [s.uniform(0.7, 1.2), s.uniform(0.7, 1.2), s.uniform(0.7, 1.2)],
                           scale: s.uniform(0.6, 0.85), noise: s.uniform(0, 0.08))
    }

    public func interpolated(toward o: EmojiDomain, by t: Float) -> EmojiDomain {
        func l(_ a: Float, _ b: Float) -> Float { a + t * (b - a) }
        return EmojiDomain(background: zip(background, o.background).map { l($0, $1) },
                           backgroundSpread: l(backgroundSpread, o.backgroundSpread), texture: l(texture, o.texture),
                           gain: zip(gain, o.gain).map { l($0, $1) }, scale: l(scale, o.scale), noise: l(noise, o.noise))
    }
}

/// Composites a glyph onto a background: every random choice comes from the stream it is given,
/// so a sample is a pure function of that stream.
public enum EmojiComposer {
    /// The background kinds: flat, vertical gradient, stripes, checks, dots.
    static let backgroundKinds = 5

    public static func render(_ glyph: EmojiFont.Glyph, size n: Int, domain d: EmojiDomain, _ s: inout RandomStream) -> [Float] {
        // Background: two colours around the domain's, a kind, a phase and a frequency.
        func colour() -> [Float] { d.background.map { min(1, max(0, $0 + s.uniform(-d.backgroundSpread, d.backgroundSpread))) } }
        let c0 = colour(), c1 = colour()
        let kind = s.uniform() < d.texture ? 2 + s.int(below: backgroundKinds - 2) : s.int(below: 2)
        let freq = Double(s.uniform(1.5, 4)) * 2 * .pi / Double(n), phase = Double(s.uniform(0, 2 * .pi))
        // Glyph: scale, offset, small rotation; colour jitter.
        let scale = Double(d.scale * s.uniform(0.85, 1.15)) * Double(n)
        let cx = Double(n) * (0.5 + Double(s.uniform(-0.08, 0.08))), cy = Double(n) * (0.5 + Double(s.uniform(-0.08, 0.08)))
        let angle = Double(s.uniform(-0.25, 0.25))
        let brightness = s.uniform(0.85, 1.15)
        let gain = d.gain.map { $0 * brightness * s.uniform(0.94, 1.06) }
        let cr = cos(angle), sr = sin(angle)
        let g = glyph.size, gs = Double(g) / scale
        var img = [Float](repeating: 0, count: n * n * 3)
        for y in 0..<n {
            for x in 0..<n {
                let fx = Double(x) + 0.5, fy = Double(y) + 0.5
                let t: Double
                switch kind {
                case 0: t = 0
                case 1: t = fy / Double(n)
                case 2: t = sin(fy * freq + phase) > 0 ? 1 : 0
                case 3: t = sin(fx * freq + phase) * sin(fy * freq) >= 0 ? 1 : 0
                default: t = cos(fx * freq + phase) * cos(fy * freq) > 0.6 ? 1 : 0
                }
                // Output pixel -> glyph tile coordinates (rotation about the glyph's centre).
                let dx = fx - cx, dy = fy - cy
                let gx = (cr * dx + sr * dy) * gs + Double(g) / 2 - 0.5
                let gy = (-sr * dx + cr * dy) * gs + Double(g) / 2 - 0.5
                let px = bilinear(glyph, gx, gy)
                let o = (y * n + x) * 3
                let fg = [px.r, px.g, px.b]
                for c in 0..<3 {
                    let bg = c0[c] + Float(t) * (c1[c] - c0[c])
                    // Premultiplied: out = glyph + (1 - alpha) * background.
                    img[o + c] = min(1, fg[c] * gain[c]) + (1 - px.a) * bg
                }
            }
        }
        for i in 0..<img.count {
            let r = s.nextUInt32()
            let a = Float(r & 0xffff) * (1 / 65536.0), b = Float(r >> 16) * (1 / 65536.0)
            img[i] = min(1, max(0, img[i] + d.noise * (a + b - 1)))
        }
        return img
    }

    /// Premultiplied RGBA at (x, y) in tile pixels; transparent outside the tile.
    static func bilinear(_ g: EmojiFont.Glyph, _ x: Double, _ y: Double) -> (r: Float, g: Float, b: Float, a: Float) {
        let n = g.size
        guard x > -1, y > -1, x < Double(n), y < Double(n) else { return (0, 0, 0, 0) }
        let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
        let fx = Float(x - Double(x0)), fy = Float(y - Double(y0))
        var r: Float = 0, gg: Float = 0, b: Float = 0, a: Float = 0
        func add(_ xx: Int, _ yy: Int, _ w: Float) {
            guard xx >= 0, yy >= 0, xx < n, yy < n, w > 0 else { return }
            let o = (yy * n + xx) * 4
            r += w * g.rgba[o]; gg += w * g.rgba[o + 1]; b += w * g.rgba[o + 2]; a += w * g.rgba[o + 3]
        }
        add(x0, y0, (1 - fx) * (1 - fy)); add(x0 + 1, y0, fx * (1 - fy))
        add(x0, y0 + 1, (1 - fx) * fy); add(x0 + 1, y0 + 1, fx * fy)
        return (r, gg, b, a)
    }
}
