import Foundation
import Models
import Tensors

/// PEFT's CorDA (`tuners/lora/corda.py` and `LoraLayer.corda_init`), as `preprocess_corda(model,
/// config, run_model)` + `get_peft_model` run it: for every targeted Linear layer, the covariance
/// `C` of its inputs (`CordaCovariance`) is damped until it inverts cleanly, `W · C'` is decomposed
/// by SVD, and IPM keeps its r largest singular triplets, KPM its r smallest, with `V = (Vᵀ C'⁻¹)ᵀ`.
/// Then `S /= scaling`, `A = diag(√S) Vᵀ`, `B = U diag(√S)`, and the base weight becomes
/// `W − scaling · B A`, so the output is unchanged. lorakit decomposes in float64 (PEFT in float32);
/// a `cache_file` holds the kept `S_WC`, `U_WC` and `V_WC` of every module (safetensors).
enum CordaInitialization {
    /// The kept singular triplets of one module: `U` `[out, r]`, `S` `[r]`, `V` `[in, r]`.
    struct Eigens {
        let u: Tensor, s: Tensor, v: Tensor
    }

    /// The PEFT model with CorDA's adapter, its base weights replaced by the residuals.
    static func model(_ model: any PretrainedModel, config: LoraConfig, calibration: Calibration, seed: UInt64) throws -> PeftModel {
        let eigens = try Self.eigens(model, config: config, calibration: calibration)
        var placeholder = config
        placeholder.initLoraWeights = .kaimingUniform
        let peft = try PeftModel(model: model, config: placeholder, seed: seed)
        for (name, layer) in peft.adapterLayers {
            guard let layer = layer as? LoraLinear, let adapter = layer.adapter(AdapterFiles.defaultAdapterName) else { continue }
            guard let found = eigens[name] else {
                throw TunerError.invalidState("`eigens` attribute not found for layer \(name): CorDA's cache or calibration does not cover it")
            }
            try check(found, module: name, r: adapter.r, out: layer.outFeatures, in: layer.inFeatures)
            let roots = found.s.scalars.map { ($0 / adapter.scaling).squareRoot() }
            let a = LowRankFactors.scalingRows(try found.v.transposed().copy(), by: roots)
            let b = LowRankFactors.scalingColumns(found.u, by: roots)
            try adapter.a.weight.assign(a, name: "\(name).lora_A.weight")
            try adapter.b.weight.assign(b, name: "\(name).lora_B.weight")
            try layer.replaceBaseWeight(outIn: LowRankFactors.residual(layer.outInWeight(), a: a, b: b, scaling: Double(adapter.scaling)))
        }
        if var stored = peft.configs[AdapterFiles.defaultAdapterName] as? LoraConfig {
            stored.initLoraWeights = .corda
            peft.configs[AdapterFiles.defaultAdapterName] = stored
        }
        return peft
    }

    /// Whether `cache_file` or `covariance_file` exists, so that no calibration pass is needed.
    static func hasStoredResults(_ corda: CordaConfig) throws -> Bool {
        try [(corda.cacheFile, "cache_file"), (corda.covarianceFile, "covariance_file")].contains { file, role in
            try file.map { try CordaFiles.existing($0, role: role) != nil } ?? false
        }
    }

    /// `preprocess_corda`: the kept triplets of every target, from `cache_file` when it exists, else
    /// from the covariances (then written to `cache_file` when one is named).
    static func eigens(_ model: any PretrainedModel, config: LoraConfig, calibration: Calibration) throws -> [String: Eigens] {
        let corda = try config.cordaConfig()
        let targets = try LinearTarget.all(of: config, in: model)
        if let file = corda.cacheFile, let cache = try CordaFiles.existing(file, role: "cache_file") {
            return try Dictionary(uniqueKeysWithValues: targets.map { target in
                let tensor = { (key: String) throws -> Tensor in
                    guard cache.info(named: "\(target.name).eigens.\(key)") != nil else {
                        throw TunerError.invalidValue(field: "corda_config.cache_file", reason: "\(cache.path) has no \(target.name).eigens.\(key); it was made for other target modules, so delete it or give another path")
                    }
                    return try cache.tensor(named: "\(target.name).eigens.\(key)")
                }
                return (target.name, Eigens(u: try tensor("U_WC"), s: try tensor("S_WC"), v: try tensor("V_WC")))
            })
        }
        let covariances = try CordaCovariance.covariances(model, targets: targets, config: corda, calibration: calibration)
        var eigens: [String: Eigens] = [:]
        for (index, target) in targets.enumerated() {
            try calibration.checkStop("CorDA")
            let r = try config.rankAndAlpha(for: target.name).r
            let (kept, damp) = try decomposition(weight: target.outInWeight(), covariance: covariances[target.name]!, r: r, method: corda.method, module: target.name)
            eigens[target.name] = kept
            if corda.verbose {
                calibration.report(CalibrationProgress(method: "CorDA", done: index + 1, total: targets.count, detail: "eigens (\(target.name), damp \(damp))"))
            }
        }
        if let file = corda.cacheFile {
            var tensors: [String: Tensor] = [:]
            for (name, kept) in eigens {
                tensors["\(name).eigens.S_WC"] = kept.s
                tensors["\(name).eigens.U_WC"] = kept.u
                tensors["\(name).eigens.V_WC"] = kept.v
            }
            try CordaFiles.write(tensors, to: file)
        }
        return eigens
    }

    /// `collect_eigens_for_layer` and `crop_corda_eigens`: `C' = C + I · mean(diag C) · damp`, damp
    /// from 0.01 doubling until `‖C' C'⁻¹ − I‖_F < 0.05`; the SVD of `W C'`; the r kept triplets.
    static func decomposition(weight: Tensor, covariance: Tensor, r: Int, method: CordaConfig.Method, module: String) throws -> (Eigens, damp: Double) {
        let c = Float64Matrix(covariance), n = c.rows
        let meanDiagonal = (0 ..< n).reduce(0) { $0 + c[$1, $1] } / Double(n)
        var damp = 0.01
        var damped = c, inverse = c
        for attempt in 0 ... 64 {
            damped = c
            for i in 0 ..< n { damped[i, i] += meanDiagonal * damp }
            inverse = try Linalg.inverse(damped)
            var error = damped.matmul(inverse)
            for i in 0 ..< n { error[i, i] -= 1 }
            if error.values.reduce(0, { $0 + $1 * $1 }).squareRoot() < 0.05 { break }
            guard attempt < 64 else {
                throw TunerError.invalidValue(field: "calibration data", reason: "the input covariance of \(module) does not invert even with damping \(damp); give more, and more varied, calibration rows")
            }
            damp *= 2
        }
        let svd = try Linalg.svd(Float64Matrix(weight).matmul(damped))
        let k = svd.s.count
        guard r <= k else {
            throw TunerError.invalidValue(field: "r", reason: "init_lora_weights=\"corda\" keeps r singular triplets of the weight of \(module), which has only \(k); lower r (or its rank_pattern entry) to \(k) or less")
        }
        let v = svd.vt.matmul(inverse).transposed
        let kept = method == .ipm ? 0 ..< r : k - r ..< k
        return (Eigens(u: svd.u.columns(kept).tensor, s: Tensor(shape: [r], data: svd.s[kept].map { Float($0) }), v: v.columns(kept).tensor), damp)
    }

    /// `corda_init`'s checks of a (possibly cached) decomposition, with PEFT's messages.
    private static func check(_ eigens: Eigens, module: String, r: Int, out: Int, in inFeatures: Int) throws {
        for (name, tensor) in [("S", eigens.s), ("U", eigens.u), ("V", eigens.v)] where tensor.scalars.contains(where: { !$0.isFinite }) {
            throw TunerError.invalidState("Invalid value found in matrix \(name) of \(module)")
        }
        let advice = "Please make sure the `lora_config` and `model` argument of `preprocess_corda` is consistent with `get_peft_model`. If you're using cache in `preprocess_corda`, please make sure the cache is built with the same model and LoRA rank."
        if eigens.u.shape != [out, r] { throw TunerError.invalidValue(field: "corda_config.cache_file", reason: "Matrix U size mismatch for \(module): \(eigens.u.shape) vs. (\(out), \(r)). \(advice)") }
        if eigens.s.shape != [r] { throw TunerError.invalidValue(field: "corda_config.cache_file", reason: "Matrix S size mismatch for \(module): \(eigens.s.shape) vs. (\(r),). \(advice)") }
        if eigens.v.shape != [inFeatures, r] { throw TunerError.invalidValue(field: "corda_config.cache_file", reason: "Matrix V size mismatch for \(module): \(eigens.v.shape) vs. (\(inFeatures), \(r)). \(advice)") }
    }
}
