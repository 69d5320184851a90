import Models
import Tensors

/// One adapter's scalar settings in a LyCORIS-family layer: rank, alpha, `alpha / r`, the two
/// training-only dropouts, and the generator of its dropout draws.
struct LycorisSettings {
    let r: Int
    let alpha: Double
    let rankDropout: Float
    let moduleDropout: Float
    var generator: RandomGenerator

    init(r: Int, alpha: Double, rankDropout: Float, moduleDropout: Float, seed: UInt64) {
        (self.r, self.alpha, self.rankDropout, self.moduleDropout) = (r, alpha, rankDropout, moduleDropout)
        generator = RandomGenerator(seed: seed)
    }

    /// `alpha / r`.
    var scaling: Float { Float(alpha / Double(r)) }
}

/// PEFT's `LycorisLayer` around a `Linear`: the forward `base(x) + x ΔWᵀ` for every active adapter,
/// where ΔW is the method's update (`update(of:)`, differentiable, scaling included). While
/// training, `module_dropout` skips an adapter for the whole step and `rank_dropout` zeroes rows of
/// ΔW (rescaled by the kept fraction when `rescalesRankDropout`), as PEFT does. Merging, deleting
/// and the adapter parameters come from `TunerLayer`.
public class LycorisLayer: TunerLayer, TensorLayer {
    var settings: [String: LycorisSettings] = [:]

    /// The method's ΔW of `adapter` in `[out, in]`, recorded for gradients.
    func update(of adapter: String) throws -> Tensor {
        throw TunerError.invalidState("\(typeName) has no update")
    }

    /// Whether rank dropout divides the kept rows by the kept fraction (LoHa always; LoKr with
    /// `rank_dropout_scale`).
    func rescalesRankDropout(_ adapter: String) -> Bool { true }

    /// Adds the adapter `name` with its settings.
    func add(_ name: String, settings: LycorisSettings) {
        addAdapterName(name)
        self.settings[name] = settings
    }

    override func forgetAdapter(_ name: String) {
        settings[name] = nil
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try adaptedForward(base: { try baseForward(x) }) { name, result in
            guard settings[name] != nil else { return }
            if isTraining, settings[name]!.moduleDropout > 0, settings[name]!.generator.nextUnitFloat() <= settings[name]!.moduleDropout { return }
            try Tensor.addLinear(x, weight: trainingUpdate(of: name), to: &result)
        }
    }

    /// `update(of:)`, with rank dropout applied while training.
    private func trainingUpdate(of name: String) throws -> Tensor {
        let delta = try update(of: name)
        guard isTraining, settings[name]!.rankDropout > 0 else { return delta }
        let p = settings[name]!.rankDropout
        var keep = (0 ..< outFeatures).map { _ in settings[name]!.generator.nextUnitFloat() > p ? Float(1) : 0 }
        let kept = keep.reduce(0, +)
        if rescalesRankDropout(name), kept > 0 { keep = keep.map { $0 * Float(outFeatures) / kept } }
        return try delta * Tensor(shape: [outFeatures, 1], data: keep)
    }

    public override func deltaWeight(of adapter: String) throws -> Tensor {
        try require(adapter)
        return try GradMode.withoutGradients { try update(of: adapter) }
    }
}
