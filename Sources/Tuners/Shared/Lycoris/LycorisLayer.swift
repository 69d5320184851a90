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
///
/// Over a frozen float32 base weight the updates are added to the weight before the product
/// (`foldableBaseWeight`). A method with a cheaper way than ΔW for some shapes (LoKr's
/// Kronecker factors) adds its update its own way (`directUpdate`).
public class LycorisLayer: TunerLayer, TensorLayer {
    var settings: [String: LycorisSettings] = [:]

    /// The method's ΔW of `adapter` in `[out, in]`, recorded for gradients.
    func update(of adapter: String) throws -> Tensor {
        throw TunerError.invalidState("\(typeName) has no update")
    }

    /// Whether rank dropout divides the kept rows by the kept fraction (LoHa always; LoKr with
    /// `rank_dropout_scale`).
    func rescalesRankDropout(_ adapter: String) -> Bool { true }

    /// The method's own way to add `adapter`'s update for input `x` to the output, when it is
    /// cheaper than multiplying by ΔW; nil (the default) to go through `update(of:)`.
    func directUpdate(of adapter: String, _ x: Tensor) throws -> DirectUpdate? { nil }

    /// Adds the adapter `name` with its settings.
    func add(_ name: String, settings: LycorisSettings) {
        addAdapterName(name)
        self.settings[name] = settings
    }

    override func forgetAdapter(_ name: String) {
        settings[name] = nil
    }

    /// What one adapter adds in a forward pass.
    private enum Contribution {
        /// ΔW, rank dropout applied.
        case weight(Tensor)
        /// The method's own (`directUpdate`).
        case direct(DirectUpdate)
    }

    /// `name`'s contribution for input `x`, or nil when it has none this step (not this method's
    /// adapter, or skipped by module dropout).
    private func contribution(of name: String, _ x: Tensor) throws -> Contribution? {
        guard settings[name] != nil else { return nil }
        if isTraining, settings[name]!.moduleDropout > 0, settings[name]!.generator.nextUnitFloat() <= settings[name]!.moduleDropout { return nil }
        if let direct = try directUpdate(of: name, x) { return .direct(direct) }
        return .weight(try trainingUpdate(of: name))
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        guard layout == .outIn, let base = foldableBaseWeight else {
            return try adaptedForward(base: { try baseForward(x) }) { name, result in
                switch try contribution(of: name, x) {
                case let .weight(delta)?: try Tensor.addLinear(x, weight: delta, to: &result)
                case let .direct(update)?:
                    if let constant = update.constantWeight { try Tensor.addLinear(x, weight: constant, to: &result) }
                    try update.apply(&result)
                case nil: break
                }
            }
        }
        let contributions = try activeAdapters.compactMap { try contribution(of: $0, x) }
        var folded = base
        for contribution in contributions {
            switch contribution {
            case let .weight(delta): folded = try folded + delta
            case let .direct(update): if let constant = update.constantWeight { folded = try folded + constant }
            }
        }
        var result = try x.linear(weight: folded, bias: bias?.value())
        for case let .direct(update) in contributions { try update.apply(&result) }
        return result
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

/// A LyCORIS method's own way to add one adapter's update in a forward pass (`directUpdate`): an
/// optional constant `[out, in]` matrix added to the layer's weight before its product (or its
/// product added to the output), then `apply` on the output, which adds the rest of the update or
/// records the gradients the constant does not carry.
struct DirectUpdate {
    var constantWeight: Tensor?
    var apply: (inout Tensor) throws -> Void
}
