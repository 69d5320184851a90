import Models
import Tensors

/// PEFT's `lokr.Linear`: `y = base(x) + x ΔWᵀ` with `ΔW = kron(w1, w2) · alpha / r`, where `w1` is
/// `lokr_w1` or `lokr_w1_a · lokr_w1_b` and `w2` is `lokr_w2` or `lokr_w2_a · lokr_w2_b` (see
/// `LoKrShape`). The factors live in parameter dicts of those names, keyed by adapter name.
public final class LoKrLinear: LycorisLayer {
    static let factorNames = ["lokr_w1", "lokr_w1_a", "lokr_w1_b", "lokr_w2", "lokr_w2_a", "lokr_w2_b"]
    private var rescaling: [String: Bool] = [:]

    init(wrapping base: Module, path: String) throws {
        try super.init(wrapping: base, path: path, typeName: "lokr.Linear", method: "LoKr", parameterDicts: Self.factorNames, acceptsConv1D: false)
    }

    /// Adds the adapter `name` with its settings and starting factors (named as in `factorNames`).
    func add(_ name: String, settings: LycorisSettings, rescalesRankDropout: Bool, factors: [(name: String, value: Tensor)]) {
        for (dict, value) in factors { child(dict)!.register(Parameter(value), as: name) }
        rescaling[name] = rescalesRankDropout
        add(name, settings: settings)
    }

    override func rescalesRankDropout(_ adapter: String) -> Bool { rescaling[adapter] ?? false }

    override func forgetAdapter(_ name: String) {
        super.forgetAdapter(name)
        rescaling[name] = nil
    }

    /// `w1` or `w2` of `adapter`: the full matrix `lokr_<w>`, or the product of its two factors.
    private func kroneckerFactor(_ w: String, _ adapter: String) throws -> Tensor {
        if let full = child("lokr_\(w)")?.parameter(adapter) { return try full.value() }
        guard let a = child("lokr_\(w)_a")?.parameter(adapter), let b = child("lokr_\(w)_b")?.parameter(adapter) else {
            throw TunerError.unknownAdapter(adapter, available: adapterNames)
        }
        return try a.value().matmul(b.value())
    }

    /// `w1`, `w2` and the scaling of `adapter`, their shapes checked against the layer's.
    private func kroneckerFactors(of adapter: String) throws -> (w1: Tensor, w2: Tensor, scaling: Float) {
        guard let scaling = settings[adapter]?.scaling else { throw TunerError.unknownAdapter(adapter, available: adapterNames) }
        let w1 = try kroneckerFactor("w1", adapter), w2 = try kroneckerFactor("w2", adapter)
        guard w1.shape[0] * w2.shape[0] == outFeatures, w1.shape[1] * w2.shape[1] == inFeatures else {
            throw TunerError.adapterMismatch(path: path, reason: "kron(w1 \(w1.shape), w2 \(w2.shape)) is not the layer's [\(outFeatures), \(inFeatures)]")
        }
        return (w1, w2, scaling)
    }

    override func update(of adapter: String) throws -> Tensor {
        let (w1, w2, scaling) = try kroneckerFactors(of: adapter)
        return try Tensor.kron(w1, w2).scaled(by: scaling)
    }

    /// The update without ΔW's gradient, when one of those ways is faster than building ΔW and
    /// differentiating it at this pass's shape on this machine (`KroneckerPathChooser`) and no rank
    /// dropout has to zero rows of ΔW: factor by factor (`Tensor.addKroneckerLinear`), or ΔW's
    /// values folded into the weight with the factors' gradients computed factor by factor
    /// (`Tensor.kroneckerFactorGradients`).
    override func directUpdate(of adapter: String, _ x: Tensor) throws -> DirectUpdate? {
        if isTraining, settings[adapter]?.rankDropout ?? 0 > 0 { return nil }
        let (w1, w2, scaling) = try kroneckerFactors(of: adapter)
        let shape = KroneckerShape(rows: x.count / max(inFeatures, 1), p: w1.shape[0], m: w1.shape[1], q: w2.shape[0], n: w2.shape[1],
                                   foldsIntoBase: foldableBaseWeight != nil, recordsGradients: GradMode.isEnabled && (w1.requiresGrad || w2.requiresGrad),
                                   inputNeedsGradient: x.requiresGrad)
        switch try KroneckerPathChooser.shared.path(for: shape) {
        case .materialised:
            return nil
        case .factored:
            return DirectUpdate { result in try Tensor.addKroneckerLinear(x, w1, w2, scale: scaling, to: &result) }
        case .foldedWithFactoredGradients:
            let delta = try GradMode.withoutGradients { try Tensor.kron(w1, w2).scaled(by: scaling) }
            return DirectUpdate(constantWeight: delta) { result in
                result = try Tensor.kroneckerFactorGradients(of: result, input: x, w1, w2, scale: scaling)
            }
        }
    }
}
