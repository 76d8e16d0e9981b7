import Linalg

/// One transformer encoder block: self-attention and a feed-forward network, each with a
/// residual connection and a LayerNorm.
///
/// `postNorm` is BERT's (and so MiniLM's) arrangement: h = LN1(x + Attn(x)), y = LN2(h + FFN(h)).
/// `preNorm` is the ViT paper's: h = x + Attn(LN1(x)), y = h + FFN(LN2(h)); it trains from
/// scratch without warm-up and is what clvbench's ViT uses.
public struct TransformerBlock: Sendable, Equatable, NamedParameters {
    public enum NormPlacement: String, Sendable, Codable, CaseIterable {
        case postNorm = "post-norm", preNorm = "pre-norm"
    }

    public var attention: MultiHeadAttention
    public var attentionNorm: LayerNorm
    public var feedForward: FeedForward
    public var feedForwardNorm: LayerNorm
    public let placement: NormPlacement

    public init(attention: MultiHeadAttention, attentionNorm: LayerNorm, feedForward: FeedForward,
                feedForwardNorm: LayerNorm, placement: NormPlacement) {
        let w = attention.width
        precondition(attentionNorm.width == w && feedForwardNorm.width == w && feedForward.up.weight.rows == w,
                     "TransformerBlock: layer widths differ from the attention's \(w)")
        self.attention = attention
        self.attentionNorm = attentionNorm
        self.feedForward = feedForward
        self.feedForwardNorm = feedForwardNorm
        self.placement = placement
    }

    /// A freshly initialised block (weights N(0, 0.02^2), LayerNorm gamma 1, beta 0).
    public init(width: Int, heads: Int, hidden: Int, placement: NormPlacement, epsilon: Float, rng: inout RandomStream) {
        self.init(attention: MultiHeadAttention(width: width, heads: heads, rng: &rng),
                  attentionNorm: LayerNorm(width: width, epsilon: epsilon),
                  feedForward: FeedForward(width: width, hidden: hidden, rng: &rng),
                  feedForwardNorm: LayerNorm(width: width, epsilon: epsilon), placement: placement)
    }

    public var width: Int { attention.width }

    public mutating func forEachTensor(prefix: String, _ body: (String, inout Matrix) -> Void) {
        attention.forEachTensor(prefix: prefix + "attention.", body)
        attentionNorm.forEachTensor(prefix: prefix + "attention_norm.", body)
        feedForward.forEachTensor(prefix: prefix + "feed_forward.", body)
        feedForwardNorm.forEachTensor(prefix: prefix + "feed_forward_norm.", body)
    }

    public struct Trace: Sendable {
        var attention: MultiHeadAttention.Trace
        var feedForward: FeedForward.Trace
        var attentionNormInput: Matrix, attentionNorm: LayerNorm.Trace
        var feedForwardNormInput: Matrix, feedForwardNorm: LayerNorm.Trace
    }

    public func forward(_ x: Matrix, mask: PaddingMask) -> (y: Matrix, trace: Trace) {
        switch placement {
        case .postNorm:
            let (a, at) = attention.forward(x, mask: mask)
            let r1 = x + a
            let (h, n1) = attentionNorm.forward(r1)
            let (f, ft) = feedForward.forward(h)
            let r2 = h + f
            let (y, n2) = feedForwardNorm.forward(r2)
            return (y, Trace(attention: at, feedForward: ft, attentionNormInput: r1, attentionNorm: n1,
                             feedForwardNormInput: r2, feedForwardNorm: n2))
        case .preNorm:
            let (n, n1) = attentionNorm.forward(x)
            let (a, at) = attention.forward(n, mask: mask)
            let h = x + a
            let (m, n2) = feedForwardNorm.forward(h)
            let (f, ft) = feedForward.forward(m)
            return (h + f, Trace(attention: at, feedForward: ft, attentionNormInput: x, attentionNorm: n1,
                                 feedForwardNormInput: h, feedForwardNorm: n2))
        }
    }

    /// Adds every parameter's gradient into `grad` and returns dL/dx.
    public func backward(_ dy: Matrix, trace t: Trace, grad: inout TransformerBlock) -> Matrix {
        switch placement {
        case .postNorm:
            let dr2 = feedForwardNorm.backward(dy, input: t.feedForwardNormInput, trace: t.feedForwardNorm, grad: &grad.feedForwardNorm)
            var dh = feedForward.backward(dr2, trace: t.feedForward, grad: &grad.feedForward)
            dh.add(dr2)
            let dr1 = attentionNorm.backward(dh, input: t.attentionNormInput, trace: t.attentionNorm, grad: &grad.attentionNorm)
            var dx = attention.backward(dr1, trace: t.attention, grad: &grad.attention)
            dx.add(dr1)
            return dx
        case .preNorm:
            let dm = feedForward.backward(dy, trace: t.feedForward, grad: &grad.feedForward)
            var dh = feedForwardNorm.backward(dm, input: t.feedForwardNormInput, trace: t.feedForwardNorm, grad: &grad.feedForwardNorm)
            dh.add(dy)
            let dn = attention.backward(dh, trace: t.attention, grad: &grad.attention)
            var dx = attentionNorm.backward(dn, input: t.attentionNormInput, trace: t.attentionNorm, grad: &grad.attentionNorm)
            dx.add(dh)
            return dx
        }
    }
}
