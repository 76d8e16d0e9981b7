import Environments
import Foundation
import Model

/// The built-in pretrained model as an external method receives it (docs/protocol.md,
/// "The shared pretrained start"): its weights as a safetensors file (tensor names as in
/// docs/models.md) and what a program needs to use them (architecture, image size, tokenizer and
/// vocabulary), so an external method can start where the built-in methods start instead of
/// from random weights.
struct PretrainedStart {
    /// Where the file goes inside the cell's run directory.
    static let path = "input/pretrained.safetensors"
    static let format = "clvbench-pretrained-1"

    let model: DualEncoder
    let imageSize: Int
    let tokenizer: any CaptionTokenizer

    /// The towers in plain keys (the model description's Codable form is Swift's enum coding,
    /// which is awkward to read from another language).
    var architecture: [String: Any] {
        let d = model.description
        let vision: [String: Any]
        switch d.vision {
        case .mlp(let m): vision = ["kind": "mlp", "hidden": m.hidden]
        case .vit(let v): vision = ["kind": "vit", "patch": v.patch, "width": v.width, "depth": v.depth, "heads": v.heads, "hidden": v.hidden]
        }
        let text: [String: Any]
        switch d.text {
        case .bag(let b): text = ["kind": "bag", "width": b.width, "hidden": b.hidden, "max_tokens": b.maxTokens]
        case .minilm(let m): text = ["kind": "minilm", "tuned_layers": m.tunedLayers, "max_tokens": m.maxTokens, "weights": MiniLMFiles.package]
        }
        return ["vision": vision, "text": text, "embedding": d.embedding, "max_log_scale": Double(d.maxLogScale)]
    }

    /// How captions become the ids the text tower reads.
    var tokenizerDescription: [String: Any] {
        if let words = tokenizer as? Tokenizer {
            return ["kind": "words", "max_tokens": words.maxLength, "padding": Int(Tokenizer.padding), "unknown": Int(Tokenizer.unknown),
                    "vocabulary": words.words]
        }
        if let pieces = tokenizer as? WordPieceCaptions {
            return ["kind": "wordpiece", "max_tokens": pieces.maxLength, "padding": Int(pieces.tokenizer.pad),
                    "unknown": Int(pieces.tokenizer.unk), "vocabulary": pieces.tokenizer.vocabulary]
        }
        return ["kind": "unknown", "max_tokens": tokenizer.maxLength]
    }

    /// Writes the file under `directory` (the run directory) and returns hello's `pretrained`
    /// object. The file's metadata repeats the description, so the file alone is enough.
    func write(into directory: URL) throws -> [String: Any] {
        func json(_ v: Any) -> String {
            String(decoding: try! JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
        }
        let metadata = ["format": Self.format, "model": json(architecture), "image_size": "\(imageSize)",
                        "tokenizer": json(tokenizerDescription)]
        try SafeTensorsWeights.encode(model, metadata: metadata).write(to: directory.appendingPathComponent(Self.path))
        return ["weights": Self.path, "format": Self.format, "model": architecture, "image_shape": [imageSize, imageSize, 3],
                "tokenizer": tokenizerDescription]
    }
}
