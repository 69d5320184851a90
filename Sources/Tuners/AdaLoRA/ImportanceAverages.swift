import Tensors

/// The smoothed importance of one adapter tensor, element by element, as PEFT's `RankAllocator`
/// keeps it: the sensitivity `|p · ∂L/∂p|` averaged with `beta1`, and its uncertainty (distance from
/// that average) averaged with `beta2`, both from zero.
struct ImportanceAverages {
    private(set) var sensitivity: [Float]
    private(set) var uncertainty: [Float]

    init(count: Int) {
        sensitivity = [Float](repeating: 0, count: count)
        uncertainty = sensitivity
    }

    /// Averages saved earlier (a training checkpoint's).
    init(sensitivity: [Float], uncertainty: [Float]) {
        self.sensitivity = sensitivity
        self.uncertainty = uncertainty
    }

    /// PEFT's `update_ipt` for one tensor: `ipt = |p · grad|`, then the two averages, in float32 as
    /// torch computes them. A tensor without a gradient has zero sensitivity.
    mutating func update(values: Tensor, gradient: Tensor?, beta1: Double, beta2: Double) {
        let (b1, c1, b2, c2) = (Float(beta1), Float(1 - beta1), Float(beta2), Float(1 - beta2))
        values.withUnsafeBufferPointer { p in
            let g = gradient?.scalars ?? [Float](repeating: 0, count: p.count)
            for i in 0 ..< p.count {
                let ipt = abs(p[i] * g[i])
                sensitivity[i] = b1 * sensitivity[i] + c1 * ipt
                uncertainty[i] = b2 * uncertainty[i] + c2 * abs(ipt - sensitivity[i])
            }
        }
    }

    /// The element scores `sensitivity · uncertainty`.
    var scores: [Float] { zip(sensitivity, uncertainty).map(*) }
}
