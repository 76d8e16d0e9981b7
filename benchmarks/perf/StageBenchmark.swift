import Continual
import Environments
import Foundation
import Harness
import Linalg
import Model

/// What one stage of a cell costs besides its GEMM-bound training: evaluating and embedding
/// every environment, the contribution scores, and the exact Shapley attribution, on the
/// default world (5 environments, 400 evaluation samples each) and model.
///
/// The model is freshly initialised, not pretrained: none of these costs depends on the weights.
enum StageBenchmark {
    static func run(quick: Bool) throws -> [BenchmarkFigure] {
        var world = ProceduralWorldConfig()
        if quick { world.trainSamples = 256 }
        let procedural = try ProceduralWorld(config: world, similarity: SimilaritySetting(sv: 0.5, sl: 0.5))
        let tokenizer = Tokenizer(words: procedural.vocabularyWords, maxLength: ModelDescription().maxTokens)
        let data = WorldData(world: procedural, tokenizer: tokenizer)
        let model = DualEncoder(description: ModelDescription(), imageSize: procedural.imageSize,
                                vocabularySize: tokenizer.vocabularySize, key: RandomKey("bench-stage-model"))
        let runner = CellRunner(data: data, budget: TrainingBudget(), shapley: true)
        let images = data.evaluation.reduce(0) { $0 + $1.images.rows }
        var figures: [BenchmarkFigure] = []

        var sink = 0.0
        let tAccuracy = Stopwatch.best {
            for ev in data.evaluation {
                sink += evaluate(model: model, images: ev.images, labels: ev.labels, promptTokens: ev.promptTokens).accuracy
            }
        }
        figures.append(BenchmarkFigure(name: "zero-shot evaluation", value: Double(images) / tAccuracy, unit: "images/s",
                                       detail: "accuracy and loss of \(images) images against their class prompts, batch 256"))
        var checkpoint = runner.evaluateAll(model)
        let tEmbed = Stopwatch.best { checkpoint = runner.evaluateAll(model) }
        figures.append(BenchmarkFigure(name: "evaluation + embeddings", value: Double(images) / tEmbed, unit: "images/s",
                                       detail: "also the unit image and caption embeddings the scores need"))
        figures.append(BenchmarkFigure(name: "evaluation per stage", value: tEmbed * 1000, unit: "ms",
                                       detail: "every environment of the world, once per stage"))

        // Contribution scores at stage 4: three earlier environments against the trained one,
        // drifts, and the embedding statistics of every environment.
        let trained = data.heldOut.indices.filter { !data.heldOut[$0] }
        var state = runner.initial(method: nil, pretrained: model, baseline: checkpoint)
        for e in trained.dropLast() { runner.appendCheckpoint(&state, environment: e, checkpoint: checkpoint) }
        let tScores = Stopwatch.best {
            var s = state
            runner.appendCheckpoint(&s, environment: trained.last!, checkpoint: checkpoint)
            sink += Double(s.prefix.count)
        }
        figures.append(BenchmarkFigure(name: "contribution scores per stage", value: tScores * 1000, unit: "ms",
                                       detail: "stage 4: scores against 3 earlier environments, drifts, embedding statistics"))

        // Shapley attribution: six coalitions scored on every environment from the two
        // checkpoints' embeddings (the stage evaluates both models anyway).
        var after = model
        after.forEachTensor { _, _, t in t.scale(by: 0.99) }
        let afterCheckpoint = runner.evaluateAll(after)
        let tShapley = Stopwatch.best {
            sink += Double(runner.attribute(stage: 4, before: model, after: after, prev: checkpoint, now: afterCheckpoint).count)
        }
        figures.append(BenchmarkFigure(name: "Shapley attribution per stage", value: tShapley * 1000, unit: "ms",
                                       detail: "exact over vision, language, shared: 6 coalitions x every environment"))

        // Training one stage with the default budget (fine-tuning), for scale.
        var trainedModel = model
        var method = Finetune(validated: [:])
        let context = StageContext(stage: 1, environments: [data.training[trained[0]]], key: RandomKey("bench-stage"),
                                   budget: TrainingBudget())
        let t0 = Stopwatch.now()
        try method.train(&trainedModel, context)
        let tTrain = Double(Stopwatch.now() - t0) * 1e-9
        let budget = TrainingBudget(), samples = data.training[trained[0]].trainImages.rows
        let steps = budget.epochs * ((samples + budget.batchSize - 1) / budget.batchSize)
        figures.append(BenchmarkFigure(name: "training per stage", value: tTrain * 1000, unit: "ms",
                                       detail: "fine-tuning, \(budget.epochs) epochs of \(samples) samples: \(steps) steps of \(budget.batchSize), one timing"))
        if sink.isNaN { print("") }  // keeps the work observable to the optimiser
        return figures
    }
}
