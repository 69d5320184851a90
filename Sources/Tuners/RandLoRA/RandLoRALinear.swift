import Models
import Tensors

/// One RandLoRA adapter's settings in a layer: rank, number of bases, `randlora_alpha / r`, dropout
/// and its generator, and the adapter's shared bases.
struct RandLoRASettings {
    let r: Int
    let numBases: Int
    let scaling: Float
    let dropout: Float
    var generator: RandomGenerator
    let bases: RandLoRABases
}

/// PEFT's `randlora.Linear` around a `Linear` or `Conv1D`. With `min`/`max` the layer's smaller and
/// larger side and `nb = ceil(min / r)`: `UA[k, b, j] = λ[k, b] · A[k, 0, j] · γ[b, j]` flattened to
/// `[r·nb, min]` (row `k·nb + b`), `UB = B[:max, :nb, :]` flattened to `[max, nb·r]` (column
/// `b·r + k`), paired by flat index as PEFT pairs them. When `min` is the input side,
/// `y = base(x) + scaling · (x UAᵀ) UBᵀ`, else `y = base(x) + scaling · (x UB) UA`. λ (`randlora_lambda`
/// `[r, nb]`) and γ (`randlora_gamma` `[nb, min]`) train; the bases are the adapter's, frozen and
/// held outside the module tree (PEFT's buffers).
public final class RandLoRALinear: TunerLayer, TensorLayer {
    static let parameterNames = ["randlora_lambda", "randlora_gamma"]
    var settings: [String: RandLoRASettings] = [:]

    init(wrapping base: Module, path: String) throws {
        try super.init(wrapping: base, path: path, typeName: "randlora.Linear", method: "RandLoRA", parameterDicts: Self.parameterNames, acceptsConv1D: true)
    }

    var minDim: Int { min(inFeatures, outFeatures) }
    var maxDim: Int { max(inFeatures, outFeatures) }

    /// PEFT's `update_layer`: λ and γ of `name`. With `initWeights`, λ starts at zero and γ at
    /// `1 / max(nb, min)`; without, λ is normal and γ is `1 / max(in, out)`.
    func add(_ name: String, bases: RandLoRABases, r: Int, scaling: Float, dropout: Float, initWeights: Bool, generator: inout RandomGenerator) throws {
        let numBases = RandLoRABases.numberOfBases(minDim: minDim, r: r)
        let (a, b) = (bases.a.shape, bases.b.shape)
        guard a[0] >= r, a[2] >= minDim, b[0] >= maxDim, b[1] >= numBases, b[2] >= r else {
            throw TunerError.adapterMismatch(path: path, reason: "the RandLoRA bases (randlora_A \(a), randlora_B \(b)) are too small for this \(outFeatures)×\(inFeatures) layer at r=\(r)")
        }
        let lambda = initWeights ? Tensor.zeros([r, numBases]) : Tensor.normal([r, numBases], generator: &generator)
        let gamma = Tensor.full([numBases, minDim], 1 / Float(initWeights ? max(numBases, minDim) : maxDim))
        for (dict, value) in zip(Self.parameterNames, [lambda, gamma]) { child(dict)!.register(Parameter(value), as: name) }
        addAdapterName(name)
        settings[name] = RandLoRASettings(r: r, numBases: numBases, scaling: scaling, dropout: dropout, generator: RandomGenerator(seed: generator.next()), bases: bases)
    }

    override func forgetAdapter(_ name: String) {
        settings[name] = nil
    }

    /// PEFT's `get_scaled_bases` before its reordering: `UA [r·nb, min]` (recorded for λ and γ's
    /// gradients) and `UB [max, nb·r]` (constant).
    func scaledBases(of adapter: String) throws -> (ua: Tensor, ub: Tensor) {
        guard let s = settings[adapter], let lambda = child("randlora_lambda")?.parameter(adapter), let gamma = child("randlora_gamma")?.parameter(adapter) else {
            throw TunerError.unknownAdapter(adapter, available: adapterNames)
        }
        let (minDim, maxDim, nb, r) = (minDim, maxDim, s.numBases, s.r)
        let fullA = try s.bases.a.value(), fullB = try s.bases.b.value()
        let (aWidth, bBases) = (fullA.shape[2], fullB.shape[1])
        let slicedA = fullA.withUnsafeBufferPointer { src in
            Tensor.make(shape: [r, minDim]) { dst in
                for k in 0 ..< r { for j in 0 ..< minDim { dst[k * minDim + j] = src[k * aWidth + j] } }
            }
        }
        let ub = fullB.withUnsafeBufferPointer { src in
            Tensor.make(shape: [maxDim, nb * r]) { dst in
                for i in 0 ..< maxDim { (dst.baseAddress! + i * nb * r).update(from: src.baseAddress! + i * bBases * r, count: nb * r) }
            }
        }
        let ua = try Tensor.scaledBasisRows(lambda: lambda.value(), basis: slicedA, gamma: gamma.value())
        return (ua, ub)
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        if let folded = try foldedForward(x) { return folded }
        return try adaptedForward(base: { try baseForward(x) }) { name, result in
            guard settings[name] != nil else { return }
            let (ua, ub) = try scaledBases(of: name)
            var input = x
            if isTraining, settings[name]!.dropout > 0 { input = try x.dropout(probability: settings[name]!.dropout, generator: &settings[name]!.generator) }
            let scaledB = ub.scaled(by: settings[name]!.scaling)
            if minDim == inFeatures {
                try Tensor.addLinear(input.linear(weight: ua), weight: scaledB, to: &result)
            } else {
                try Tensor.addLinear(input.linear(weight: scaledB, layout: .inOut), weight: ua.transposed(), to: &result)
            }
        }
    }

    /// The forward with every active adapter's update added to the frozen base weight first
    /// (`foldableBaseWeight`), when none applies dropout to its input: RandLoRA's update has full rank
    /// (`nb · r ≥ min`), so `x (W + ΔW)ᵀ` replaces two full-size products forward and two backward
    /// by `UB · UA` and the weight's gradient. Nil when the layer cannot fold.
    private func foldedForward(_ x: Tensor) throws -> Tensor? {
        guard let base = foldableBaseWeight,
              !activeAdapters.contains(where: { isTraining && (settings[$0]?.dropout ?? 0) > 0 }) else { return nil }
        var folded = base
        for name in activeAdapters where settings[name] != nil {
            folded = try folded + update(of: name)
        }
        return try x.linear(weight: folded, bias: bias?.value(), layout: layout)
    }

    /// `adapter`'s update scaled, in the base weight's layout, recorded for λ and γ's gradients.
    private func update(of adapter: String) throws -> Tensor {
        let (ua, ub) = try scaledBases(of: adapter)
        // UB · UA is [max, min]: [out, in] when the input is the smaller side, else [in, out].
        let product = try ub.scaled(by: settings[adapter]!.scaling).matmul(ua)
        return (minDim == inFeatures) == (layout == .outIn) ? product : try product.transposed()
    }

    /// PEFT's `get_delta_weight`: the update as an `[out, in]` matrix times the scaling, in the base
    /// weight's layout.
    public override func deltaWeight(of adapter: String) throws -> Tensor {
        try require(adapter)
        return try GradMode.withoutGradients { try update(of: adapter) }
    }
}
