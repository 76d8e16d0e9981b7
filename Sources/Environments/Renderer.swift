import Foundation
import Linalg

/// What one image shows, before rendering: drawn per sample, independent of the dials.
public struct SceneAttributes: Sendable, Equatable {
    public var shape: Int
    public var colour: Int
    public var size: Int           // 0 small, 1 medium, 2 large
    public var centerX: Double     // in [0, 1] of the image width
    public var centerY: Double
    public var rotation: Double    // radians
    public var pattern: Int        // 0 plain, 1 striped, 2 checkered, 3 dotted
    public var patternPhase: Double
    /// An optional small second shape (a distractor), never of the class's colour.
    public var distractor: (shape: Int, colour: Int, x: Double, y: Double)?

    public static func == (a: SceneAttributes, b: SceneAttributes) -> Bool {
        a.shape == b.shape && a.colour == b.colour && a.size == b.size && a.centerX == b.centerX
            && a.centerY == b.centerY && a.rotation == b.rotation && a.pattern == b.pattern
            && a.patternPhase == b.patternPhase && a.distractor?.shape == b.distractor?.shape
            && a.distractor?.colour == b.distractor?.colour && a.distractor?.x == b.distractor?.x
            && a.distractor?.y == b.distractor?.y
    }

    /// Horizontal position word: left of, at or right of the centre.
    public var positionWord: Int { centerX < 0.475 ? 0 : centerX > 0.525 ? 2 : 1 }
}

/// Draws a scene under a domain into an RGB buffer, with anti-aliased edges.
public struct Renderer: Sendable {
    public let size: Int
    private let sdfs: [ShapeSDF]

    public init(size: Int) {
        precondition(size >= 8, "images must be at least 8x8")
        self.size = size
        sdfs = ShapeKind.allCases.map(ShapeSDF.init)
    }

    static let radiusFraction: [Double] = [0.22, 0.29, 0.36]

    public func render(_ scene: SceneAttributes, domain: VisionDomain, noise: inout RandomStream) -> [Float] {
        let n = size
        let fn = Double(n)
        var img = [Float](repeating: 0, count: n * n * 3)
        // Background: base colour plus a texture of the scene's pattern.
        let bg = domain.backgroundColour
        let freq = Double(domain.patternFrequency) * 2 * Double.pi / fn
        let contrast = domain.patternContrast
        img.withUnsafeMutableBufferPointer { p in
            for y in 0..<n {
                for x in 0..<n {
                    let fx = Double(x) + 0.5, fy = Double(y) + 0.5
                    var t: Double
                    switch scene.pattern {
                    case 1: t = sin(fy * freq + scene.patternPhase)
                    case 2: t = (sin(fx * freq + scene.patternPhase) * sin(fy * freq) >= 0) ? 1 : -1
                    case 3:
                        let cx = cos(fx * freq + scene.patternPhase), cy = cos(fy * freq)
                        t = cx * cy > 0.6 ? 1 : -0.3
                    default: t = 0
                    }
                    let v = Float(t) * contrast
                    let o = (y * n + x) * 3
                    p[o] = bg[0] + v; p[o + 1] = bg[1] + v; p[o + 2] = bg[2] + v
                }
            }
        }
        let radius = Self.radiusFraction[scene.size] * fn * Double(domain.scale)
        draw(shape: scene.shape, colour: scene.colour, cx: scene.centerX * fn, cy: scene.centerY * fn,
             radius: radius, rotation: scene.rotation + Double(domain.rotationOffset), domain: domain, into: &img)
        if let d = scene.distractor {
            draw(shape: d.shape, colour: d.colour, cx: d.x * fn, cy: d.y * fn, radius: 0.1 * fn * Double(domain.scale),
                 rotation: 0, domain: domain, into: &img)
        }
        // Per-pixel noise (triangular, from two uniforms), then clamp to [0, 1].
        let amp = domain.noise
        img.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count {
                let r = noise.nextUInt32()
                let a = Float(r & 0xffff) * (1 / 65536.0), b = Float(r >> 16) * (1 / 65536.0)
                p[i] = min(1, max(0, p[i] + amp * (a + b - 1)))
            }
        }
        return img
    }

    private func draw(shape: Int, colour: Int, cx: Double, cy: Double, radius: Double, rotation: Double,
                      domain: VisionDomain, into img: inout [Float]) {
        let n = size
        let sdf = sdfs[shape]
        let base = Lexicon.colourRGB[colour]
        let rgb = [base.0, base.1, base.2].enumerated().map { c, v in
            min(1, max(0, v * domain.colourGain[c] + domain.colourBias[c]))
        }
        let soft = Double(domain.edgeSoftness)
        let outline = Double(domain.outline)
        let stroke = max(1.0, radius * 0.18)
        let aspect = Double(domain.aspect)
        let cr = cos(-rotation), sr = sin(-rotation)
        // Only pixels near the shape can be covered.
        let reach = radius * 1.2 * max(aspect, 1) + soft + stroke
        let x0 = max(0, Int(cx - reach)), x1 = min(n - 1, Int(cx + reach))
        let y0 = max(0, Int(cy - reach)), y1 = min(n - 1, Int(cy + reach))
        guard x0 <= x1, y0 <= y1 else { return }
        img.withUnsafeMutableBufferPointer { p in
            for y in y0...y1 {
                for x in x0...x1 {
                    // Into the shape's frame: undo position, stretch and rotation; unit radius.
                    let dx = (Double(x) + 0.5 - cx) / aspect, dy = Double(y) + 0.5 - cy
                    let lx = (cr * dx - sr * dy) / radius, ly = (sr * dx + cr * dy) / radius
                    let d = sdf.distance(lx, ly) * radius  // back to pixels
                    let fill = min(1, max(0, 0.5 - d / soft))
                    let ring = min(1, max(0, 0.5 - (abs(d) - stroke / 2) / soft))
                    let alpha = Float(fill + outline * (ring - fill))
                    if alpha <= 0 { continue }
                    let o = (y * n + x) * 3
                    for c in 0..<3 { p[o + c] += alpha * (rgb[c] - p[o + c]) }
                }
            }
        }
    }
}
