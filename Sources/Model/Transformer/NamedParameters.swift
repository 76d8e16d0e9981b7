import Linalg

/// Parameters that can be visited by name, in a fixed order: checkpoints store tensors by
/// name, pretrained weights load by name, and a gradient accumulator is the same value with
/// every tensor zeroed. Names are dotted paths ("layers.3.attention.query.weight").
public protocol NamedParameters {
    /// Visits every parameter tensor, in a fixed order, with its full name (`prefix` + local name).
    mutating func forEachTensor(prefix: String, _ body: (String, inout Matrix) -> Void)
}

extension NamedParameters {
    /// (name, tensor) pairs in `forEachTensor` order.
    public func namedTensors(prefix: String = "") -> [(name: String, value: Matrix)] {
        var copy = self
        var out: [(String, Matrix)] = []
        copy.forEachTensor(prefix: prefix) { n, m in out.append((n, m)) }
        return out
    }

    /// The same shapes, all zero: a gradient accumulator.
    public func zeros() -> Self {
        var z = self
        z.forEachTensor(prefix: "") { _, m in m = Matrix(rows: m.rows, cols: m.cols) }
        return z
    }

    public var parameterCount: Int { namedTensors().reduce(0) { $0 + $1.value.count } }
}

extension Linear: NamedParameters {
    /// `weight` is stored inputs x outputs (PyTorch stores outputs x inputs; loaders transpose).
    public mutating func forEachTensor(prefix: String, _ body: (String, inout Matrix) -> Void) {
        body(prefix + "weight", &weight)
        body(prefix + "bias", &bias)
    }

    /// A layer with N(0, std^2) weights and zero bias (BERT's and ViT's initialisation, std 0.02).
    public init(inputs: Int, outputs: Int, std: Float, rng: inout RandomStream) {
        self.init(weight: rng.normalMatrix(rows: inputs, cols: outputs, std: std), bias: Matrix(rows: 1, cols: outputs))
    }
}
