import Linalg

/// How an environment renders: palette, background, texture, noise, stroke and geometry.
///
/// All parameters are continuous so the vision similarity dial can interpolate: an
/// environment's domain is base + (1 - sv) * (own - base). At sv = 1 every environment
/// renders alike; at sv = 0 each uses its own domain.
public struct VisionDomain: Sendable, Equatable {
    public var colourGain: [Float]        // per RGB channel, multiplies shape colours
    public var colourBias: [Float]        // per RGB channel, added to shape colours
    public var backgroundColour: [Float]  // RGB
    public var patternContrast: Float     // amplitude of the background texture
    public var patternFrequency: Float    // texture cycles per image width
    public var noise: Float               // per-pixel noise amplitude
    public var outline: Float             // 0 filled shapes, 1 outlines only
    public var edgeSoftness: Float        // anti-aliasing width in pixels
    public var scale: Float               // geometry: shape size multiplier
    public var aspect: Float              // geometry: horizontal stretch
    public var rotationOffset: Float      // geometry: added to every rotation (radians)

    public static let base = VisionDomain(
        colourGain: [1, 1, 1], colourBias: [0, 0, 0], backgroundColour: [0.5, 0.5, 0.5],
        patternContrast: 0.18, patternFrequency: 3, noise: 0.04, outline: 0, edgeSoftness: 1,
        scale: 1, aspect: 1, rotationOffset: 0)

    /// An environment's own domain, drawn from its key.
    public static func own(key: RandomKey) -> VisionDomain {
        var s = RandomStream(key: key)
        func u(_ a: Float, _ b: Float) -> Float { s.uniform(a, b) }
        return VisionDomain(
            colourGain: [u(0.55, 1.3), u(0.55, 1.3), u(0.55, 1.3)],
            colourBias: [u(-0.15, 0.15), u(-0.15, 0.15), u(-0.15, 0.15)],
            backgroundColour: [u(0.05, 0.95), u(0.05, 0.95), u(0.05, 0.95)],
            patternContrast: u(0.05, 0.45), patternFrequency: u(1.5, 6), noise: u(0.0, 0.14),
            outline: u(0, 1), edgeSoftness: u(0.6, 2.2), scale: u(0.8, 1.2), aspect: u(0.75, 1.3),
            rotationOffset: u(-0.35, 0.35))
    }

    /// base + t * (other - base), field by field.
    public func interpolated(toward other: VisionDomain, by t: Float) -> VisionDomain {
        func l(_ a: Float, _ b: Float) -> Float { a + t * (b - a) }
        func lv(_ a: [Float], _ b: [Float]) -> [Float] { zip(a, b).map { l($0, $1) } }
        return VisionDomain(
            colourGain: lv(colourGain, other.colourGain), colourBias: lv(colourBias, other.colourBias),
            backgroundColour: lv(backgroundColour, other.backgroundColour),
            patternContrast: l(patternContrast, other.patternContrast),
            patternFrequency: l(patternFrequency, other.patternFrequency), noise: l(noise, other.noise),
            outline: l(outline, other.outline), edgeSoftness: l(edgeSoftness, other.edgeSoftness),
            scale: l(scale, other.scale), aspect: l(aspect, other.aspect),
            rotationOffset: l(rotationOffset, other.rotationOffset))
    }

    /// The domain of an environment under vision similarity sv.
    public static func forEnvironment(key: RandomKey, similarity sv: Double) -> VisionDomain {
        base.interpolated(toward: own(key: key), by: Float(1 - sv))
    }
}
