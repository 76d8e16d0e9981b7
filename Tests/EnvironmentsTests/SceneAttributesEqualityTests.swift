import Testing
@testable import Environments

/// `SceneAttributes ==` is written by hand (the distractor is a tuple): every stored field, and
/// every component of the distractor, must take part in it.
struct SceneAttributesEqualityTests {
    static let base = SceneAttributes(shape: 1, colour: 2, size: 1, centerX: 0.4, centerY: 0.6, rotation: 0.3,
                                      pattern: 2, patternPhase: 0.25, distractor: (shape: 3, colour: 4, x: 0.2, y: 0.8))

    /// One change per field; a field added to the struct without a line here fails the count.
    static let changes: [(String, @Sendable (inout SceneAttributes) -> Void)] = [
        ("shape", { $0.shape = 0 }), ("colour", { $0.colour = 5 }), ("size", { $0.size = 2 }),
        ("centerX", { $0.centerX = 0.41 }), ("centerY", { $0.centerY = 0.61 }), ("rotation", { $0.rotation = 0.31 }),
        ("pattern", { $0.pattern = 3 }), ("patternPhase", { $0.patternPhase = 0.5 }),
        ("distractor.shape", { $0.distractor!.shape = 0 }), ("distractor.colour", { $0.distractor!.colour = 1 }),
        ("distractor.x", { $0.distractor!.x = 0.21 }), ("distractor.y", { $0.distractor!.y = 0.81 }),
        ("distractor", { $0.distractor = nil }),
    ]

    @Test func everyFieldTakesPart() {
        let fields = Mirror(reflecting: Self.base).children.map { $0.label ?? "" }
        let distractorParts = Mirror(reflecting: Self.base.distractor!).children.count
        #expect(fields.count + distractorParts == Self.changes.count)
        var copy = Self.base
        #expect(copy == Self.base)
        copy.distractor = (3, 4, 0.2, 0.8)
        #expect(copy == Self.base)
        for (name, change) in Self.changes {
            var other = Self.base
            change(&other)
            #expect(other != Self.base, "a scene differing only in \(name) compares equal")
            #expect(Self.base != other, "\(name), the other way round")
        }
        var none = Self.base, alsoNone = Self.base
        none.distractor = nil
        alsoNone.distractor = nil
        #expect(none == alsoNone)
    }
}
