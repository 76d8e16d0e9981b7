import Linalg

/// How well a stage's first gradient agrees with what the earlier environments need: the cosine
/// between g_new, the gradient of the stage's training objective on its first batch, and g_old,
/// the gradient of the earlier environments' prompt loss, both at the weights before the stage
/// (DESIGN.md section 10, CBF paragraph; docs/metrics.md, "Gradient alignment"). Kept per
/// parameter group, unscaled, with the factor the method applied to each group's step, so the
/// alignment of any group mask follows from the stored figures (T2's "optimal binary mask").
public struct GradientAlignment: Sendable, Equatable, Codable {
    /// cos(s ⊙ g_new, g_old) over every trainable parameter, s the method's per-group factor:
    /// the alignment of the step the method took (0 for a frozen group, CBF's p_g).
    public var cosine: Double
    /// cos(g_new, g_old) with every group at factor 1: what plain fine-tuning's step would be.
    public var unscaledCosine: Double
    /// cos(g_new, g_old) within each group (a positive factor does not change it); 0 where either
    /// side is zero (the logit scale is one number, so its cosine is ±1 or 0).
    public var groupCosine: GroupValues
    /// ‖g_new‖ and ‖g_old‖ within each group.
    public var newNorm: GroupValues
    public var oldNorm: GroupValues
    /// The factor the method applied to each group's step (0 frozen, CBF's p_g, else 1).
    public var scale: GroupValues

    public init(cosine: Double, unscaledCosine: Double, groupCosine: GroupValues, newNorm: GroupValues, oldNorm: GroupValues,
                scale: GroupValues) {
        self.cosine = cosine; self.unscaledCosine = unscaledCosine; self.groupCosine = groupCosine
        self.newNorm = newNorm; self.oldNorm = oldNorm; self.scale = scale
    }

    /// From per-group sums Σ g_new·g_old, Σ g_new², Σ g_old² and the factors.
    public init(dot: GroupValues, newSquared: GroupValues, oldSquared: GroupValues, scale: GroupValues) {
        func cos(_ d: Double, _ a: Double, _ b: Double) -> Double {
            guard a > 0, b > 0 else { return 0 }
            return max(-1, min(1, d / (a * b).squareRoot()))
        }
        func overall(_ s: GroupValues) -> Double {
            let groups = ParameterGroup.allCases
            let d = groups.reduce(0.0) { $0 + s[group: $1] * dot[group: $1] }
            let a = groups.reduce(0.0) { $0 + s[group: $1] * s[group: $1] * newSquared[group: $1] }
            return cos(d, a, groups.reduce(0.0) { $0 + oldSquared[group: $1] })
        }
        var gc = GroupValues.zero, nn = GroupValues.zero, on = GroupValues.zero
        for g in ParameterGroup.allCases {
            gc[group: g] = cos(dot[group: g], newSquared[group: g], oldSquared[group: g])
            nn[group: g] = newSquared[group: g].squareRoot()
            on[group: g] = oldSquared[group: g].squareRoot()
        }
        self.init(cosine: overall(scale), unscaledCosine: overall(GroupValues(vision: 1, language: 1, shared: 1)),
                  groupCosine: gc, newNorm: nn, oldNorm: on, scale: scale)
    }

    /// cos(m ⊙ g_new, g_old) for per-group factors m, from the stored per-group figures
    /// (g_new·g_old within a group = its cosine × both norms).
    public func cosine(scaledBy m: GroupValues) -> Double {
        var d = 0.0, a = 0.0, b = 0.0
        for g in ParameterGroup.allCases {
            d += m[group: g] * groupCosine[group: g] * newNorm[group: g] * oldNorm[group: g]
            a += m[group: g] * m[group: g] * newNorm[group: g] * newNorm[group: g]
            b += oldNorm[group: g] * oldNorm[group: g]
        }
        guard a > 0, b > 0 else { return 0 }
        return max(-1, min(1, d / (a * b).squareRoot()))
    }

    /// The binary masks over the towers a stage can train (the logit scale always trains): both,
    /// vision only, language only — CBF's binary variant picks one of the last two.
    public static let towerMasks: [GroupValues] = [
        GroupValues(vision: 1, language: 1, shared: 1), GroupValues(vision: 1, language: 0, shared: 1),
        GroupValues(vision: 0, language: 1, shared: 1),
    ]

    /// The tower mask with the highest alignment (the first of equals), and that alignment: the
    /// paper's T2 says the balance factor reaches it.
    public var bestMask: (mask: GroupValues, cosine: Double) {
        var best = (mask: Self.towerMasks[0], cosine: cosine(scaledBy: Self.towerMasks[0]))
        for m in Self.towerMasks.dropFirst() {
            let c = cosine(scaledBy: m)
            if c > best.cosine { best = (m, c) }
        }
        return best
    }
}
