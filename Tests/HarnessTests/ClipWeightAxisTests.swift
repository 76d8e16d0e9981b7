import Foundation
import Testing
@testable import Harness

/// `clip_weights:` (issue 16's λ axis) is the methods listed once per λ: the same methods, labels
/// and cells as writing each `{name: m, clip_weight: λ}` by hand, with λ = 0 the method as written.
struct ClipWeightAxisTests {
    static func suite(_ methods: String, _ extra: String = "") throws -> Suite {
        let text = """
        name: axis
        world: {kind: procedural, image_size: 24, trained: 3}
        orders: latin
        similarity: {sv: [0.25], sl: [0.5]}
        methods:
        \(methods)
        seeds: [0, 1]
        \(extra)
        """
        return try SuiteParser(file: "axis.yaml", text: text).parse()
    }

    @Test func theAxisEqualsListingEachWeightByHand() throws {
        let axis = try Self.suite("  - finetune\n  - {name: ewc, lambda: 10}\n  - {name: replay, label: mine}", "clip_weights: [0, 1, 5]")
        let byHand = try Self.suite("""
              - finetune
              - {name: finetune, clip_weight: 1}
              - {name: finetune, clip_weight: 5}
              - {name: ewc, lambda: 10}
              - {name: ewc, lambda: 10, clip_weight: 1}
              - {name: ewc, lambda: 10, clip_weight: 5}
              - {name: replay, label: mine}
              - {name: replay, label: "mine(clip_weight=1)", clip_weight: 1}
              - {name: replay, label: "mine(clip_weight=5)", clip_weight: 5}
            """)
        #expect(axis.methods.map(\.label) == ["finetune", "finetune(clip_weight=1)", "finetune(clip_weight=5)",
                                             "ewc(lambda=10)", "ewc(clip_weight=1,lambda=10)", "ewc(clip_weight=5,lambda=10)",
                                             "mine", "mine(clip_weight=1)", "mine(clip_weight=5)"])
        #expect(axis.methods == byHand.methods)
        #expect(Plan(suite: axis).cells.map(\.hash) == Plan(suite: byHand).cells.map(\.hash))
        // λ = 0 is the method as written: the suite without the axis has exactly those cells.
        let plain = Plan(suite: try Self.suite("  - finetune\n  - {name: ewc, lambda: 10}\n  - {name: replay, label: mine}"))
        let zero = Plan(suite: axis).cells.filter { axis.methods[$0.methodIndex].parameters["clip_weight"] == nil }
        #expect(zero.map(\.hash) == plain.cells.map(\.hash))
    }

    @Test func externalMethodsAppearOnceAndTheAxisCrossesProtocols() throws {
        let s = try Self.suite("  - finetune\n  - {external: {command: [/bin/true]}, label: theirs}",
                               "clip_weights: [0, 1, 5]\nprotocols: [adaptive]")
        #expect(s.methods.map(\.label) == ["finetune", "finetune(clip_weight=1)", "finetune(clip_weight=5)", "theirs"])
        let both = try Self.suite("  - finetune", "clip_weights: [0, 1, 5]\nprotocols: [adaptive, frozen]")
        let plan = Plan(suite: both)
        // 3 λ x 2 protocols x 2 seeds x 3 latin orders, every cell distinct.
        #expect(plan.cells.count == 36 && Set(plan.cells.map(\.hash)).count == 36)
    }
}
