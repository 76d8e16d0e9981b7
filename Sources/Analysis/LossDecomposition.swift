/// T1 of the paper (DESIGN.md section 10): the loss drift of an environment t when the next
/// stage trains t', regressed on the two cross-modal scores between them at the pretrained model,
/// ΔLOSS(t→t') = β1·Con_I→T(t,t') + β2·Con_T→I(t,t') + α, for each loss component.
public struct LossTransition: Sendable, Equatable, Codable {
    /// The cell the transition belongs to (the bootstrap resamples whole cells) and its stratum.
    public var cell: Int
    public var stratum: Int
    /// ΔCE = CE_t(θ_k+1) − CE_t(θ_k) and ΔCLIP likewise (symmetric InfoNCE on t's evaluation pairs).
    public var deltaCE: Double
    public var deltaCLIP: Double
    /// λ of the cell's objective CE + λ·CLIP.
    public var clipWeight: Double
    /// Con_I→T(t,t') and Con_T→I(t,t') under the pretrained model.
    public var conImageToText: Double
    public var conTextToImage: Double

    public init(cell: Int, stratum: Int = 0, deltaCE: Double, deltaCLIP: Double, clipWeight: Double,
                conImageToText: Double, conTextToImage: Double) {
        self.cell = cell; self.stratum = stratum; self.deltaCE = deltaCE; self.deltaCLIP = deltaCLIP
        self.clipWeight = clipWeight; self.conImageToText = conImageToText; self.conTextToImage = conTextToImage
    }

    /// ΔLOSS = ΔCE + λ·ΔCLIP: the drift of the objective the cell trained.
    public var deltaLoss: Double { deltaCE + clipWeight * deltaCLIP }

    public func delta(_ c: LossComponent) -> Double {
        switch c {
        case .ce: deltaCE
        case .clip: deltaCLIP
        case .loss: deltaLoss
        }
    }

    /// The CLIP term reverses the sign of the CE drift: ΔCE and ΔLOSS strictly of opposite signs
    /// (our reading of the paper's "the CLIP term can flip the sign of ΔCE").
    public var clipFlipsSign: Bool { deltaCE * deltaLoss < 0 }
}

public enum LossComponent: String, CaseIterable, Sendable, Codable {
    case ce = "ΔCE", clip = "ΔCLIP", loss = "ΔLOSS"
    public var key: String {
        switch self { case .ce: "delta_ce"; case .clip: "delta_clip"; case .loss: "delta_loss" }
    }
}

/// One component's fit: coefficients and R² with percentile bootstrap CIs over cells.
public struct DriftFit: Sendable, Equatable, Codable {
    public var beta1: Interval  // on Con_I→T
    public var beta2: Interval  // on Con_T→I
    public var alpha: Interval
    public var rSquared: Interval
    /// The component is the same number for every transition (as ΔCLIP is under a frozen
    /// encoder): nothing to explain, R² is reported as 0.
    public var constantResponse: Bool
}

public struct LossDecomposition: Sendable, Equatable, Codable {
    public var n: Int
    public var cells: Int
    public var fits: [LossComponent: DriftFit]
    /// Transitions where the CLIP term flips the sign of ΔCE.
    public var signFlips: Int

    public static func analyse(_ t: [LossTransition], bootstrap: Bootstrap = Bootstrap()) -> LossDecomposition {
        precondition(!t.isEmpty, "loss decomposition of no transitions")
        let groups = ClusterResampling(clusters: t.map(\.cell), strata: t.map(\.stratum))
        let draws = groups.resamples(bootstrap)
        let x = t.map { [$0.conImageToText, $0.conTextToImage] }
        var fits: [LossComponent: DriftFit] = [:]
        for c in LossComponent.allCases {
            let y = t.map { $0.delta(c) }
            let constant = y.allSatisfy { $0 == y[0] }
            let full = LeastSquares.fit(x: x, y: y)
            var reps = [[Double]](repeating: [], count: 4)  // alpha, beta1, beta2, R²
            // Per-cell sums, so a replicate adds cells instead of revisiting transitions.
            let perCell = groups.members.map { NormalEquations(x: x, y: y, rows: $0) }
            for d in draws {
                var sum = NormalEquations(width: 3)
                for cell in d { sum.add(perCell[cell]) }
                let s = sum.solution()
                for k in 0..<3 { reps[k].append(s.beta[k]) }
                reps[3].append(s.rSquared)
            }
            let alpha = (1 - bootstrap.confidence) / 2
            func interval(_ value: Double, _ r: [Double]) -> Interval {
                Interval(estimate: value, low: Descriptive.quantile(r, alpha), high: Descriptive.quantile(r, 1 - alpha), n: t.count)
            }
            let b = full.coefficients
            fits[c] = DriftFit(beta1: interval(b[1], reps[1]), beta2: interval(b[2], reps[2]), alpha: interval(b[0], reps[0]),
                               rSquared: interval(constant ? 0 : full.rSquared, reps[3]), constantResponse: constant)
        }
        return LossDecomposition(n: t.count, cells: groups.members.count, fits: fits,
                                 signFlips: t.filter(\.clipFlipsSign).count)
    }
}

/// Z'Z, Z'y, y'y and n of y ~ 1 + x over some rows: sums that add across cells, from which the
/// least-squares coefficients and R² follow (R² = 1 − SSE/SST, SSE = y'y − 2β'Z'y + β'Z'Zβ).
struct NormalEquations {
    var width: Int
    var zz: [Double]
    var zy: [Double]
    var yy = 0.0

    init(width: Int) {
        self.width = width
        zz = [Double](repeating: 0, count: width * width)
        zy = [Double](repeating: 0, count: width)
    }

    init(x: [[Double]], y: [Double], rows: [Int]) {
        self.init(width: (x.first?.count ?? 0) + 1)
        for r in rows {
            let z = [1.0] + x[r]
            for i in 0..<width {
                zy[i] += z[i] * y[r]
                for j in 0..<width { zz[i * width + j] += z[i] * z[j] }
            }
            yy += y[r] * y[r]
        }
    }

    mutating func add(_ o: NormalEquations) {
        for k in zz.indices { zz[k] += o.zz[k] }
        for k in zy.indices { zy[k] += o.zy[k] }
        yy += o.yy
    }

    /// Coefficients (intercept first; a dropped collinear pivot gives 0, as LeastSquares does)
    /// and R² (0 when y is constant over the rows).
    func solution() -> (beta: [Double], rSquared: Double) {
        let p = width
        let beta = LeastSquares.solve((0..<p).map { Array(zz[($0 * p)..<(($0 + 1) * p)]) }, zy)
        let n = zz[0], sy = zy[0]
        var quad = 0.0, lin = 0.0
        for i in 0..<p {
            lin += beta[i] * zy[i]
            for j in 0..<p { quad += beta[i] * zz[i * p + j] * beta[j] }
        }
        let sse = max(0, yy - 2 * lin + quad)
        let sst = yy - sy * sy / n
        // Relative guard: y'y − (Σy)²/n cancels to rounding noise when y is constant.
        guard sst > 1e-12 * max(yy, 1e-300) else { return (beta, 0) }
        return (beta, min(1, max(0, 1 - sse / sst)))
    }
}
