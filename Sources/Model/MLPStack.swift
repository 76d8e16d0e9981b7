import Linalg

/// What `MLPStack.backward` needs from the forward pass.
public struct MLPTrace: Sendable {
    var inputs: [Matrix]          // input to each linear layer
    var preActivations: [Matrix]  // output of each hidden linear layer, before ReLU
    var embeddings: Matrix        // unit rows
    var norms: [Float]
}

/// Linear layers with ReLU between them, then L2 normalisation: the MLP vision tower, and the
/// head of the bag-of-tokens text tower. Forward keeps what backward needs; backward walks the
/// same layers in reverse.
enum MLPStack {
    static func forward(_ layers: [Linear], _ x: Matrix) -> (embeddings: Matrix, trace: MLPTrace) {
        var inputs: [Matrix] = [], pre: [Matrix] = []
        var h = x
        for (i, layer) in layers.enumerated() {
            inputs.append(h)
            let z = layer.forward(h)
            if i < layers.count - 1 {
                pre.append(z)
                h = ReLU.forward(z)
            } else {
                h = z
            }
        }
        let (y, norms) = L2Normalize.forward(h)
        return (y, MLPTrace(inputs: inputs, preActivations: pre, embeddings: y, norms: norms))
    }

    /// Adds the layers' gradients into `grads`; returns dL/d(input) when asked for.
    static func backward(_ layers: [Linear], _ dEmbeddings: Matrix, trace t: MLPTrace, grads: inout [Linear],
                         needInputGradient: Bool) -> Matrix? {
        var d = L2Normalize.backward(dEmbeddings, output: t.embeddings, norms: t.norms)
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            guard let dx = layers[i].backward(d, input: t.inputs[i], grad: &grads[i], needInputGradient: i > 0 || needInputGradient) else {
                return nil
            }
            d = i > 0 ? ReLU.backward(dx, input: t.preActivations[i - 1]) : dx
        }
        return d
    }

    /// He-initialised layers from `inputs` through `widths`, drawing from `rng` in layer order.
    static func layers(inputs: Int, widths: [Int], rng: inout RandomStream) -> [Linear] {
        var out: [Linear] = []
        var width = inputs
        for h in widths {
            out.append(Linear(inputs: width, outputs: h, rng: &rng))
            width = h
        }
        return out
    }

    /// Visits each layer's weight and bias with names `prefix.layerI.weight` / `.bias`.
    static func forEachTensor(_ layers: inout [Linear], prefix: String, _ body: (String, inout Matrix) -> Void) {
        for i in layers.indices {
            body("\(prefix).layer\(i).weight", &layers[i].weight)
            body("\(prefix).layer\(i).bias", &layers[i].bias)
        }
    }
}
