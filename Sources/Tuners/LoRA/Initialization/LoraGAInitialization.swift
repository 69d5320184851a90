import Foundation
import Models
import Tensors

/// PEFT's LoRA-GA as `preprocess_loraga(model, config, train_step)` + `get_peft_model` run it: the
/// averaged weight gradient `G` `[out, in]` of every target over the calibration batches
/// (`LoraGAGradients`), then per module (`lora_ga_init`) the SVD of `G` (torch's
/// `svd_lowrank(G, q = min(4r, min(out, in)), niter = 4)`, exact here when `q` covers the full
/// rank), keeping the first `2r` triplets; A takes rows of `Vᵀ` and B columns of `U · S` as
/// `direction` picks them, `scale` rescales them, and the base weight becomes `W − scaling · B A`,
/// so the output is unchanged at init. A and B come from different triplets, so their signs
/// (arbitrary in PEFT, which takes them from a random projection) are fixed here by the canonical
/// rule: every row of A and every column of B is multiplied by the sign of its largest-magnitude
/// entry (the first on a tie). With `direction: random` A and B share triplets, so each pair is
/// flipped together. Embedding targets start as `init_lora_weights: true`, as in PEFT.
enum LoraGAInitialization {
    /// The PEFT model with LoRA-GA's adapter, its targeted base weights replaced by the residuals.
    static func model(_ model: any PretrainedModel, config: LoraConfig, calibration: Calibration, seed: UInt64) throws -> PeftModel {
        guard let settings = try config.loraGAConfig() else {
            throw TunerError.invalidValue(field: "lora_ga_config", reason: "If you want to use LoRA-GA, please initialize the LoraConfig with init_lora_weights='lora_ga' and lora_ga_config=LoraGAConfig(...); add e.g. \"lora_ga_config\": {\"direction\": \"ArB2r\", \"scale\": \"stable\", \"stable_gamma\": 16}")
        }
        let gradients = try LoraGAGradients.estimate(model, targets: LinearTarget.all(of: config, in: model), calibration: calibration)
        var placeholder = config
        placeholder.initLoraWeights = .kaimingUniform
        let peft = try PeftModel(model: model, config: placeholder, seed: seed)
        var generator = RandomGenerator(seed: seed)
        for (name, layer) in peft.adapterLayers {
            guard let layer = layer as? LoraLinear, let adapter = layer.adapter(AdapterFiles.defaultAdapterName), let gradient = gradients[name] else { continue }
            let input = LinearInitializationInput(module: name, r: adapter.r, scaling: Double(adapter.scaling), inFeatures: layer.inFeatures,
                                                  outFeatures: layer.outFeatures, layout: layer.layout, weight: layer.outInWeight)
            let start = try weights(input, config: settings, gradient: gradient, generator: &generator)
            try adapter.a.weight.assign(start.a, name: "\(name).lora_A.weight")
            try adapter.b.weight.assign(start.b, name: "\(name).lora_B.weight")
            if let residual = start.residual { try layer.replaceBaseWeight(outIn: residual) }
        }
        if var stored = peft.configs[AdapterFiles.defaultAdapterName] as? LoraConfig {
            stored.initLoraWeights = .loraGA
            peft.configs[AdapterFiles.defaultAdapterName] = stored
        }
        return peft
    }

    /// `lora_ga_init` of one module from its gradient `[out, in]`.
    static func weights(_ input: LinearInitializationInput, config: LoraGAConfig, gradient: Tensor,
                        generator: inout RandomGenerator) throws -> LinearInitialization {
        let (r, out, inFeatures) = (input.r, input.outFeatures, input.inFeatures)
        guard gradient.shape == [out, inFeatures] else {
            throw TunerError.adapterMismatch(path: input.module, reason: "the LoRA-GA gradient is \(gradient.shape), the weight is [\(out), \(inFeatures)]")
        }
        let available = min(out, inFeatures)
        guard 2 * r <= available else {
            throw TunerError.invalidValue(field: "r", reason: "init_lora_weights=\"lora_ga\" takes 2r = \(2 * r) singular components of the gradient of \(input.module), an \(out) × \(inFeatures) matrix of rank at most \(available); lower r (or its rank_pattern entry) to \(available / 2) or less")
        }
        let weight = try input.weight()
        return try GradMode.withoutGradients {
            let q = min(4 * r, available)
            let svd = try q == available ? Linalg.svd(gradient) : Linalg.lowRankSVD(gradient, q: q, niter: 4, generator: &generator)
            let (aRows, bColumns) = components(config.direction, r: r, generator: &generator)
            let s = svd.s.scalars
            let sB = bColumns.map { s[$0] }
            var a = rows(aRows, of: svd.vt)
            var b = LowRankFactors.scalingColumns(columns(bColumns, of: svd.u), by: sB)
            switch config.scale {
            case .stable:
                // PEFT takes `out` from the stored weight's first dimension (`in` for a Conv1D).
                let stored = input.layout == .outIn ? out : inFeatures
                b = b.scaled(by: Float(pow(Double(stored), 0.25) / config.stableGamma.squareRoot()))
            case .weightSVD:
                if let first = sB.first, first > 0, let sigma = try Linalg.svd(weight).s.scalars.first {
                    b = b.scaled(by: sigma / first)
                }
            case .gdScale:
                a = a.scaled(by: 1 / Float(input.scaling))
                b = b.scaled(by: 1 / Float(input.scaling))
            case .unit:
                break
            }
            (a, b) = canonicalSigns(a: a, b: b, paired: config.direction == .random)
            return LinearInitialization(a: a, b: b, residual: try LowRankFactors.residual(weight, a: a, b: b, scaling: input.scaling))
        }
    }

    /// The triplets (0-based, descending) whose `Vᵀ` rows make A and whose `U` columns make B.
    static func components(_ direction: LoraGAConfig.Direction, r: Int, generator: inout RandomGenerator) -> (a: [Int], b: [Int]) {
        switch direction {
        case .arBr: return (Array(stride(from: 1, to: 2 * r, by: 2)), Array(stride(from: 0, to: 2 * r, by: 2)))
        case .a2rBr: return (Array(r ..< 2 * r), Array(0 ..< r))
        case .arB2r: return (Array(0 ..< r), Array(r ..< 2 * r))
        case .random:
            let chosen = Array(Array(0 ..< 2 * r).shuffled(using: &generator).prefix(r))
            return (chosen, chosen)
        }
    }

    /// Rows `indices` of a matrix, in that order.
    private static func rows(_ indices: [Int], of matrix: Tensor) -> Tensor {
        let cols = matrix.shape[1], values = matrix.scalars
        return Tensor.make(shape: [indices.count, cols]) { out in
            for (i, row) in indices.enumerated() { for j in 0 ..< cols { out[i * cols + j] = values[row * cols + j] } }
        }
    }

    /// Columns `indices` of a matrix, in that order.
    private static func columns(_ indices: [Int], of matrix: Tensor) -> Tensor {
        let (rowCount, cols) = (matrix.shape[0], matrix.shape[1]), values = matrix.scalars
        return Tensor.make(shape: [rowCount, indices.count]) { out in
            for i in 0 ..< rowCount { for (j, col) in indices.enumerated() { out[i * indices.count + j] = values[i * cols + col] } }
        }
    }

    /// A with every row, B with every column, made to have a positive largest-magnitude entry;
    /// `paired`: row i of A and column i of B are one triplet, flipped together by A's sign.
    static func canonicalSigns(a: Tensor, b: Tensor, paired: Bool) -> (a: Tensor, b: Tensor) {
        let r = a.shape[0], inFeatures = a.shape[1], out = b.shape[0]
        let aValues = a.scalars, bValues = b.scalars
        let aSigns = (0 ..< r).map { i in sign(ofLargest: (0 ..< inFeatures).map { aValues[i * inFeatures + $0] }) }
        let bSigns = paired ? aSigns : (0 ..< r).map { j in sign(ofLargest: (0 ..< out).map { bValues[$0 * r + j] }) }
        return (LowRankFactors.scalingRows(a, by: aSigns), LowRankFactors.scalingColumns(b, by: bSigns))
    }

    /// The sign of the entry of largest magnitude (the first on a tie); 1 for an all-zero vector.
    private static func sign(ofLargest values: [Float]) -> Float {
        var best: Float = 0
        for value in values where abs(value) > abs(best) { best = value }
        return best < 0 ? -1 : 1
    }
}
