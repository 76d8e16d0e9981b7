import Linalg

/// One environment's evaluation embeddings at one checkpoint: row k of `images` and row k of
/// `captions` are a matched pair. Rows are made unit length on construction.
public struct EnvironmentEmbeddings: Sendable {
    public let images: Matrix
    public let captions: Matrix
    /// Class index of each image and the embeddings of the environment's class prompts, for IIMM.
    public let labels: [Int]?
    public let classTexts: Matrix?

    public init(images: Matrix, captions: Matrix, labels: [Int]? = nil, classTexts: Matrix? = nil) {
        precondition(images.rows == captions.rows && images.cols == captions.cols,
                     "images \(images.rows)x\(images.cols) and captions \(captions.rows)x\(captions.cols) must match")
        self.images = images.l2NormalizedRows().normalized
        self.captions = captions.l2NormalizedRows().normalized
        self.labels = labels
        self.classTexts = classTexts?.l2NormalizedRows().normalized
    }

    public var count: Int { images.rows }
}

/// Per-environment summaries from which every pairwise score follows in O(d).
public struct EmbeddingSummary: Sendable {
    public let count: Int
    /// Mean unit image embedding mV and mean unit caption embedding mL.
    public let imageMean: [Double]
    public let captionMean: [Double]
    /// E_k cos(v_k, u_k): how well matched pairs align.
    public let matchedAlignment: Double

    public init(_ e: EnvironmentEmbeddings) {
        count = e.count
        imageMean = meanRow(e.images)
        captionMean = meanRow(e.captions)
        var s = 0.0
        for k in 0..<e.count { s += rowDot(e.images, k, e.captions, k) }
        matchedAlignment = s / Double(e.count)
    }

    /// |mV - mL|: the distance between the modalities' centroids.
    public var modalityGap: Double {
        zip(imageMean, captionMean).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    }
}

/// The pairwise contribution scores of DESIGN.md section 5 for environments a and b at one checkpoint.
public struct PairScores: Equatable, Sendable, Codable {
    /// SV(a,b) = E cos(v_a, v_b)
    public var vision: Double
    /// SL(a,b) = E cos(u_a, u_b)
    public var language: Double
    /// SX(a,b) = E cos(v_a, u_b)
    public var crossAB: Double
    /// SX(b,a) = E cos(v_b, u_a)
    public var crossBA: Double
}

/// Expected cosines between independent draws from two environments, through their means.
/// For a self-pair (a = b, same samples) the n pairs of a sample with itself are excluded:
/// (n^2 |m|^2 - n) / (n (n - 1)); for the cross score the excluded self-pairs are the matched
/// pairs, (n^2 mV.mL - n * alignment) / (n (n - 1)).
public func pairScores(_ a: EmbeddingSummary, _ b: EmbeddingSummary, samePopulation: Bool = false) -> PairScores {
    if samePopulation {
        let n = Double(a.count)
        precondition(a.count > 1, "self-pair scores need at least 2 samples")
        let denom = n * (n - 1)
        let sv = (n * n * dot(a.imageMean, a.imageMean) - n) / denom
        let sl = (n * n * dot(a.captionMean, a.captionMean) - n) / denom
        let sx = (n * n * dot(a.imageMean, a.captionMean) - n * a.matchedAlignment) / denom
        return PairScores(vision: sv, language: sl, crossAB: sx, crossBA: sx)
    }
    return PairScores(vision: dot(a.imageMean, b.imageMean),
                      language: dot(a.captionMean, b.captionMean),
                      crossAB: dot(a.imageMean, b.captionMean),
                      crossBA: dot(b.imageMean, a.captionMean))
}

/// IIMM (Niss et al.): half of S_inter, the mean cosine of each image to the class texts of the
/// other classes, plus S_intra, the mean image-image cosine over pairs i < j. O(n d) via sums.
/// Returns nil when labels or class texts are missing.
public func iimm(_ e: EnvironmentEmbeddings) -> (iimm: Double, inter: Double, intra: Double)? {
    guard let labels = e.labels, let texts = e.classTexts, texts.rows >= 2, e.count >= 2 else { return nil }
    precondition(labels.count == e.count, "one label per image")
    let n = Double(e.count), classes = Double(texts.rows)
    let textSum = (0..<texts.cols).map { j in (0..<texts.rows).reduce(0.0) { $0 + Double(texts[$1, j]) } }
    let mV = meanRow(e.images)
    var matched = 0.0
    for k in 0..<e.count { matched += rowDot(e.images, k, texts, labels[k]) }
    let inter = (n * dot(mV, textSum) - matched) / (n * (classes - 1))
    let intra = (n * n * dot(mV, mV) - n) / (n * (n - 1))
    return ((inter + intra) / 2, inter, intra)
}

/// Drift E_k cos(x_k at t, x_k at t-1) of the same samples between two checkpoints.
public func drift(_ current: Matrix, _ previous: Matrix) -> Double {
    precondition(current.rows == previous.rows && current.cols == previous.cols, "drift needs the same samples at both checkpoints")
    let a = current.l2NormalizedRows().normalized, b = previous.l2NormalizedRows().normalized
    var s = 0.0
    for k in 0..<a.rows { s += rowDot(a, k, b, k) }
    return s / Double(a.rows)
}

func meanRow(_ m: Matrix) -> [Double] {
    var acc = [Double](repeating: 0, count: m.cols)
    for i in 0..<m.rows { for j in 0..<m.cols { acc[j] += Double(m[i, j]) } }
    return acc.map { $0 / Double(max(m.rows, 1)) }
}

func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in 0..<a.count { s += a[i] * b[i] }
    return s
}

func rowDot(_ a: Matrix, _ i: Int, _ b: Matrix, _ j: Int) -> Double {
    var s = 0.0
    for c in 0..<a.cols { s += Double(a[i, c]) * Double(b[j, c]) }
    return s
}
