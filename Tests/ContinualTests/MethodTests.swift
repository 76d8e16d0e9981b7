import Foundation
import Linalg
import Model
import Testing
@testable import Continual

/// Two small synthetic environments: 4-dimensional "images" whose class is the index of the
/// largest pixel block, with prompts of distinct tokens.
enum Fixture {
    static func model() -> DualEncoder {
        let d = ModelDescription(vision: .mlp(MLPVisionDescription(hidden: [16])),
                                 text: .bag(BagTextDescription(width: 8, hidden: [16], maxTokens: 4)), embedding: 8)
        return DualEncoder(description: d, imageSize: 2, vocabularySize: 12, key: RandomKey("fixture-model"))
    }

    static func environment(_ e: Int, samples: Int = 48) -> EnvironmentData {
        var rng = RandomStream(key: RandomKey("fixture-env", .int(e)))
        var x = Matrix(rows: samples, cols: 12)
        var labels: [Int] = []
        for i in 0..<samples {
            let c = i % 3
            labels.append(c)
            for j in 0..<12 { x[i, j] = 0.3 * rng.normal() + ((j + e) % 3 == c ? 1 : 0) }
        }
        let base = Int32(2 + 3 * e)
        let prompts: [Int32] = [base, 11, 0, 0, base + 1, 11, 0, 0, base + 2, 11, 0, 0]
        // Captions: the class token, a word all share, one of two fillers, padding.
        let captions = labels.enumerated().flatMap { i, c -> [Int32] in [base + Int32(c), 11, Int32(1 + i % 2), 0] }
        return EnvironmentData(name: "e\(e)", trainImages: x, trainLabels: labels, promptTokens: prompts, classCount: 3,
                               trainCaptionTokens: captions)
    }

    /// The same environment without captions (data that has none).
    static func bare(_ e: Int) -> EnvironmentData {
        let c = environment(e)
        return EnvironmentData(name: c.name, trainImages: c.trainImages, trainLabels: c.trainLabels, promptTokens: c.promptTokens,
                               classCount: c.classCount)
    }

    static func context(stage: Int, seed: Int = 0, epochs: Int = 2) -> StageContext {
        var b = TrainingBudget()
        b.epochs = epochs
        b.batchSize = 16
        return StageContext(stage: stage, environments: (0..<stage).map { environment($0) },
                            key: RandomKey("fixture", .int(seed), .int(stage)), budget: b)
    }

    /// Trains stages 1...stages with a method and returns the model after each.
    static func train(_ method: inout any ContinualMethod, stages: Int, seed: Int = 0) throws -> [DualEncoder] {
        var m = model()
        var out: [DualEncoder] = []
        for s in 1...stages {
            try method.train(&m, context(stage: s, seed: seed))
            out.append(m)
        }
        return out
    }
}

struct MethodValidationTests {
    @Test func parametersAreValidatedWithNames() throws {
        #expect(throws: MethodError("method 'ewc': unknown parameter 'lamda'; its parameters are lambda, gamma, fisher_batches, fisher_batch_size, clip_weight")) {
            try MethodCatalog.make(name: "ewc", parameters: ["lamda": 1])
        }
        #expect(throws: MethodError("method 'replay': parameter 'buffer' must be in 1.0...1000000.0, got 0.0")) {
            try MethodCatalog.make(name: "replay", parameters: ["buffer": 0])
        }
        #expect(throws: MethodError("method 'replay': parameter 'buffer' must be a whole number, got 2.5")) {
            try MethodCatalog.make(name: "replay", parameters: ["buffer": 2.5])
        }
        #expect(throws: MethodError("method 'finetune': unknown parameter 'x'; its parameters are clip_weight")) {
            try MethodCatalog.make(name: "finetune", parameters: ["x": 1])
        }
        #expect(throws: MethodError.self) { try MethodCatalog.make(name: "sgd") }
        #expect(try WiseFT.validate([:]) == ["alpha": 0.5, "clip_weight": 0])
        #expect(MethodCatalog.names == ["finetune", "freeze-vision", "freeze-language", "ewc", "replay", "lwf", "wise-ft", "joint", "cbf"])
    }
}

struct MethodBehaviourTests {
    @Test(arguments: MethodCatalog.names)
    func sameSeedGivesBitIdenticalWeights(name: String) throws {
        var a = try MethodCatalog.make(name: name), b = try MethodCatalog.make(name: name)
        let ra = try Fixture.train(&a, stages: 2), rb = try Fixture.train(&b, stages: 2)
        #expect(ra == rb)
        var c = try MethodCatalog.make(name: name)
        #expect(try Fixture.train(&c, stages: 2, seed: 1).last != ra.last)
    }

    @Test func finetuneLearnsTheCurrentEnvironment() throws {
        var m: any ContinualMethod = try MethodCatalog.make(name: "finetune")
        let before = Fixture.model()
        var after = before
        try m.train(&after, Fixture.context(stage: 1, epochs: 30))
        let env = Fixture.environment(0)
        let a0 = evaluate(model: before, images: env.trainImages, labels: env.trainLabels, promptTokens: env.promptTokens).accuracy
        let a1 = evaluate(model: after, images: env.trainImages, labels: env.trainLabels, promptTokens: env.promptTokens).accuracy
        #expect(a1 > 0.9 && a1 > a0)
    }

    @Test func freezingLeavesItsTowerUntouched() throws {
        let start = Fixture.model()
        var fv: any ContinualMethod = FreezeVision(validated: [:])
        let v = try Fixture.train(&fv, stages: 1)[0]
        #expect(v.vision == start.vision && v.text != start.text)
        var fl: any ContinualMethod = FreezeLanguage(validated: [:])
        let l = try Fixture.train(&fl, stages: 1)[0]
        #expect(l.text == start.text && l.vision != start.vision)
    }

    /// Methods whose extra machinery is switched off must reduce exactly to fine-tuning.
    @Test func degenerateSettingsReduceToFinetune() throws {
        var ft: any ContinualMethod = Finetune(validated: [:])
        let reference = try Fixture.train(&ft, stages: 2)
        for (name, params) in [("ewc", ["lambda": 0.0]), ("lwf", ["lambda": 0.0]), ("wise-ft", ["alpha": 1.0]), ("replay", ["weight": 0.0])] {
            var m = try MethodCatalog.make(name: name, parameters: params)
            #expect(try Fixture.train(&m, stages: 2) == reference, "\(name) \(params)")
        }
        var joint: any ContinualMethod = Joint(validated: [:])
        #expect(try Fixture.train(&joint, stages: 1)[0] == reference[0])
    }

    @Test func wiseFTInterpolatesWithThePreviousCheckpoint() throws {
        var ft: any ContinualMethod = Finetune(validated: [:])
        let tuned = try Fixture.train(&ft, stages: 1)[0]
        var w: any ContinualMethod = WiseFT(validated: ["alpha": 0.25])
        let mixed = try Fixture.train(&w, stages: 1)[0]
        let start = Fixture.model().tensors, t = tuned.tensors, m = mixed.tensors
        for k in m.indices {
            for i in 0..<m[k].value.count {
                let want = 0.75 * start[k].value.storage[i] + 0.25 * t[k].value.storage[i]
                #expect(abs(m[k].value.storage[i] - want) <= 1e-6 * max(1, abs(want)))
            }
        }
    }

    @Test func ewcPullsTowardTheAnchor() throws {
        var ft: any ContinualMethod = Finetune(validated: [:])
        let free = try Fixture.train(&ft, stages: 2)
        var e: any ContinualMethod = EWC(validated: try EWC.validate(["lambda": 1e5]))
        let held = try Fixture.train(&e, stages: 2)
        func distance(_ a: DualEncoder, _ b: DualEncoder) -> Double {
            zip(a.tensors, b.tensors).reduce(0.0) { s, p in
                s + zip(p.0.value.storage, p.1.value.storage).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
            }
        }
        #expect(distance(held[1], held[0]) < 0.5 * distance(free[1], free[0]))
    }

    @Test func replayKeepsAReservoirOfEverySeenEnvironment() throws {
        var r = Replay(validated: try Replay.validate(["buffer": 30]))
        var m = Fixture.model()
        try r.train(&m, Fixture.context(stage: 1))
        #expect(r.buffer.count == 30 && Set(r.buffer.map(\.env)) == [0])
        try r.train(&m, Fixture.context(stage: 2))
        #expect(r.buffer.count == 30)
        let fromSecond = r.buffer.filter { $0.env == 1 }.count
        // Reservoir sampling keeps each of the 96 samples with probability 30/96: about half from each.
        #expect(fromSecond > 5 && fromSecond < 25)
        #expect(Set(r.buffer.map { "\($0.env)-\($0.row)" }).count == 30)
    }

    @Test func nonFiniteLossStopsTheStage() throws {
        var ctx = Fixture.context(stage: 1)
        for i in 0..<ctx.environments[0].trainImages.count { ctx.environments[0].trainImages.storage[i] = .infinity }
        var m = Fixture.model()
        var f = Finetune(validated: [:])
        #expect(throws: TrainingDiverged.self) { try f.train(&m, ctx) }
    }
}
