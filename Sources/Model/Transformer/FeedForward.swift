import Linalg

/// The position-wise feed-forward network: up-projection, GELU, down-projection
/// (BERT's intermediate.dense and output.dense; a ViT's MLP).
public struct FeedForward: Sendable, Equatable, NamedParameters {
    public var up: Linear    // width x hidden
    public var down: Linear  // hidden x width

    public init(up: Linear, down: Linear) {
        precondition(up.weight.cols == down.weight.rows && up.weight.rows == down.weight.cols,
                     "FeedForward: up is \(up.weight.rows)x\(up.weight.cols), down \(down.weight.rows)x\(down.weight.cols)")
        self.up = up
        self.down = down
    }

    public init(width: Int, hidden: Int, rng: inout RandomStream) {
        self.init(up: Linear(inputs: width, outputs: hidden, std: 0.02, rng: &rng),
                  down: Linear(inputs: hidden, outputs: width, std: 0.02, rng: &rng))
    }

    public mutating func forEachTensor(prefix: String, _ body: (String, inout Matrix) -> Void) {
        up.forEachTensor(prefix: prefix + "up.", body)
        down.forEachTensor(prefix: prefix + "down.", body)
    }

    public struct Trace: Sendable {
        var input: Matrix
        var preActivation: Matrix  // up(x), GELU's input
        var activation: Matrix     // GELU(up(x)), down's input
    }

    public func forward(_ x: Matrix) -> (y: Matrix, trace: Trace) {
        let z = up.applied(to: x)
        let a = GELU.forward(z)
        return (down.applied(to: a), Trace(input: x, preActivation: z, activation: a))
    }

    public func backward(_ dy: Matrix, trace t: Trace, grad: inout FeedForward) -> Matrix {
        let da = down.backward(dy, input: t.activation, grad: &grad.down)!
        let dz = GELU.backward(da, input: t.preActivation)
        return up.backward(dz, input: t.input, grad: &grad.up)!
    }
}
