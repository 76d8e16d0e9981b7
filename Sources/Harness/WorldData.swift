import Continual
import Environments
import Linalg
import Model

/// An environment's evaluation set as the model consumes it.
public struct EvaluationSet: Sendable {
    public var images: Matrix
    public var labels: [Int]
    public var captionTokens: [Int32]
    public var promptTokens: [Int32]
}

/// The text side of an environment, for external methods (which tokenize for themselves).
public struct EnvironmentText: Sendable {
    public var classNames: [String]
    public var classPrompts: [String]
    public var trainCaptions: [String]
    public var evaluationCaptions: [String]
    /// The image files behind the samples (manifest worlds), for external methods; else nil.
    public var trainFiles: [String]? = nil
    public var evaluationFiles: [String]? = nil
}

/// A world rendered into matrices and token ids once, shared by every cell that uses it.
public struct WorldData: Sendable {
    public var names: [String]
    public var heldOut: [Bool]
    public var training: [EnvironmentData]
    public var evaluation: [EvaluationSet]
    public var text: [EnvironmentText]
    public var imageSize: Int
    public var tokenizer: any CaptionTokenizer

    public init(world: EnvironmentWorld, tokenizer: any CaptionTokenizer) {
        self.tokenizer = tokenizer
        names = world.environments.map(\.name)
        heldOut = world.environments.map(\.heldOut)
        imageSize = world.imageSize
        var tr: [EnvironmentData] = [], ev: [EvaluationSet] = [], tx: [EnvironmentText] = []
        for (e, info) in world.environments.enumerated() {
            let prompts = info.classPrompts.flatMap { tokenizer.encode($0) }
            let (x, y, t, ct) = Self.render(world, e, .train, info.trainCount, tokenizer)
            tr.append(EnvironmentData(name: info.name, trainImages: x, trainLabels: y, promptTokens: prompts,
                                      classCount: info.classPrompts.count, trainCaptionTokens: t))
            let (xe, ye, te, ce) = Self.render(world, e, .evaluation, info.evaluationCount, tokenizer)
            ev.append(EvaluationSet(images: xe, labels: ye, captionTokens: te, promptTokens: prompts))
            var text = EnvironmentText(classNames: info.classNames, classPrompts: info.classPrompts, trainCaptions: ct, evaluationCaptions: ce)
            if world.sourceFile(environment: e, split: .train, index: 0) != nil {
                text.trainFiles = (0..<info.trainCount).map { world.sourceFile(environment: e, split: .train, index: $0)! }
                text.evaluationFiles = (0..<info.evaluationCount).map { world.sourceFile(environment: e, split: .evaluation, index: $0)! }
            }
            tx.append(text)
        }
        training = tr
        evaluation = ev
        text = tx
    }

    static func render(_ w: EnvironmentWorld, _ e: Int, _ split: Split, _ n: Int, _ tok: any CaptionTokenizer)
        -> (Matrix, [Int], [Int32], [String])
    {
        var x = Matrix(rows: n, cols: w.pixelsPerImage)
        var labels: [Int] = [], tokens: [Int32] = [], captions: [String] = []
        labels.reserveCapacity(n)
        tokens.reserveCapacity(n * tok.maxLength)
        for i in 0..<n {
            let s = w.sample(environment: e, split: split, index: i)
            x.storage.replaceSubrange((i * x.cols)..<((i + 1) * x.cols), with: s.image)
            labels.append(s.label)
            tokens += tok.encode(s.caption)
            captions.append(s.caption)
        }
        return (x, labels, tokens, captions)
    }

    /// The pretraining mixture: `count` pairs from the world's broad mixture.
    public static func pretrainingPairs(_ w: EnvironmentWorld, count: Int, tokenizer tok: any CaptionTokenizer) -> (Matrix, [Int32]) {
        var x = Matrix(rows: count, cols: w.pixelsPerImage)
        var tokens: [Int32] = []
        tokens.reserveCapacity(count * tok.maxLength)
        for i in 0..<count {
            let s = w.pretrainingSample(index: i)
            x.storage.replaceSubrange((i * x.cols)..<((i + 1) * x.cols), with: s.image)
            tokens += tok.encode(s.caption)
        }
        return (x, tokens)
    }
}
