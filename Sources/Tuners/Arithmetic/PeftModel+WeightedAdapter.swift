import Foundation
import Models
import Tensors

/// What `addWeightedAdapter` made: the new adapter's rank and targets, and per module its rank and
/// how far its delta is from the weighted sum of the inputs' deltas (the price of compression).
public struct WeightedAdapterReport: Sendable {
    /// One module of the new adapter.
    public struct Module: Sendable, Equatable {
        public let name: String
        public let rank: Int
        /// `‖ΔW_new − Σ wᵢ·ΔWᵢ‖_F / ‖Σ wᵢ·ΔWᵢ‖_F` (0 when both are zero).
        public let relativeError: Double
    }

    public let adapterName: String
    /// The type used (`linear` when only one adapter was given, as PEFT does).
    public let combinationType: CombinationType
    /// The new adapter's `r` (and `lora_alpha`).
    public let rank: Int
    public let targetModules: TargetModules
    public let modules: [Module]
}

extension PeftModel {
    /// PEFT's `LoraModel.add_weighted_adapter`: adds `adapterName`, the combination of `adapters`
    /// with `weights` (negative ones subtract), by `options.combinationType`. Its config is the first
    /// adapter's with `r = lora_alpha =` the new rank, the union of the targets and no rank or alpha
    /// patterns; at each module only the adapters present there take part. It is not made active and
    /// does not train until `setAdapter` names it. Unlike PEFT, an existing name is refused rather
    /// than silently kept.
    @discardableResult
    public func addWeightedAdapter(_ adapters: [String], weights: [Double], adapterName: String,
                                   options: WeightedAdapterOptions = WeightedAdapterOptions()) throws -> WeightedAdapterReport {
        guard configs[adapterName] == nil else { throw TunerError.duplicateAdapter(adapterName) }
        let plan = try checkWeightedAdapter(adapters, weights: weights, options: options)
        var config = plan.firstConfig
        config.r = plan.rank
        config.loraAlpha = Double(plan.rank)
        config.targetModules = plan.targets
        config.rankPattern = []
        config.alphaPattern = []
        try inject(adapterName, config: config, activate: false)
        trainableAdapters.remove(adapterName)
        updateTrainability()
        do {
            var generator = RandomGenerator(seed: options.seed)
            var modules: [WeightedAdapterReport.Module] = []
            for (name, layer) in adapterLayers {
                guard let target = LoraFactors.of(adapterName, on: layer) else { continue }
                let sources = zip(adapters, weights).compactMap { adapter, weight in LoraFactors.of(adapter, on: layer).map { (factors: $0, weight: weight) } }
                guard !sources.isEmpty else { throw TunerError.invalidState("No matching LoRAs found for \(name) (none of \(adapters.joined(separator: ", ")) is there).") }
                let (a, b) = try GradMode.withoutGradients {
                    try combine(sources, type: plan.type, rank: plan.rank, module: name, options: options, generator: &generator)
                }
                try target.a.assign(a, name: "\(name).lora_A.\(adapterName)")
                try target.b.assign(b, name: "\(name).lora_B.\(adapterName)")
                modules.append(.init(name: name, rank: a.shape[0], relativeError: try Self.relativeError(of: target, from: sources)))
            }
            return WeightedAdapterReport(adapterName: adapterName, combinationType: plan.type, rank: plan.rank, targetModules: plan.targets, modules: modules)
        } catch {
            try? deleteAdapter(adapterName)
            throw error
        }
    }

    /// PEFT's `_check_add_weighted_adapter`: the adapters exist and are LoRA, the type (`linear`
    /// for one adapter), the new rank and the new targets.
    private func checkWeightedAdapter(_ adapters: [String], weights: [Double], options: WeightedAdapterOptions) throws
        -> (type: CombinationType, rank: Int, targets: TargetModules, firstConfig: LoraConfig) {
        guard !adapters.isEmpty else { throw TunerError.invalidValue(field: "adapters", reason: "name at least one adapter to combine") }
        guard weights.count == adapters.count else {
            throw TunerError.invalidValue(field: "weights", reason: "\(adapters.count) adapters need \(adapters.count) weights, got \(weights.count)")
        }
        var loraConfigs: [LoraConfig] = []
        for adapter in adapters {
            guard let config = configs[adapter] else { throw TunerError.invalidValue(field: "adapters", reason: "Adapter \(adapter) does not exist") }
            guard let lora = config as? LoraConfig, config.peftType == .lora else { throw Self.notCombinable(config.peftType) }
            loraConfigs.append(lora)
        }
        let sharing = modulesToSaveWrappers.filter { _, wrapper in adapters.filter { wrapper.adapterNames.contains($0) }.count > 1 }
        if !sharing.isEmpty {
            throw TunerError.invalidState("Cannot add weighted adapters if they target the same module with modules_to_save, but found \(sharing.count) such instance(s).")
        }
        let type = adapters.count == 1 ? .linear : options.combinationType
        try Self.checkOptions(options, type: type)
        let ranks = loraConfigs.map { max($0.r, $0.rankPattern.map(\.value).max() ?? $0.r) }
        let rank: Int
        if type.needsEqualRanks {
            guard Set(ranks).count == 1 else {
                throw TunerError.invalidValue(field: "combination_type", reason: "All adapters must have the same r value when using combination_type linear, ties, dare_ties or dare_linear. (ranks: \(ranks.map(String.init).joined(separator: ", ")); use svd or cat)")
            }
            rank = ranks[0]
        } else if type == .cat {
            rank = ranks.reduce(0, +)
        } else {
            rank = options.svdRank.flatMap { $0 > 0 ? $0 : nil } ?? ranks.max()!
        }
        return (type, rank, try Self.unionOfTargets(loraConfigs.map(\.targetModules)), loraConfigs[0])
    }

    /// PEFT's refusal for adapters of another method.
    private static func notCombinable(_ type: PeftType) -> TunerError {
        let model = [PeftType.adalora: "AdaLoraModel", .loha: "LoHaModel", .lokr: "LoKrModel", .vblora: "VBLoRAModel", .randlora: "RandLoraModel"][type] ?? "\(type.rawValue) model"
        let reason = type == .adalora ? "\(model) does not support add_weighted_adapter method." : "'\(model)' object has no attribute 'add_weighted_adapter'"
        return TunerError.invalidState("\(reason) Only LoRA adapters can be combined.")
    }

    private static func checkOptions(_ options: WeightedAdapterOptions, type: CombinationType) throws {
        if type.usesDensity, options.density == nil {
            throw TunerError.invalidValue(field: "density", reason: "combination_type \(type.rawValue) prunes and needs a density in [0, 1] (the fraction of entries kept)")
        }
        if let clamp = options.svdClamp, !(0 ... 1).contains(clamp) {
            throw TunerError.invalidValue(field: "svd_clamp", reason: "is a quantile and must be in [0, 1], got \(clamp)")
        }
        if let rank = options.svdRank, rank < 0 { throw TunerError.invalidValue(field: "svd_rank", reason: "must be a positive rank, got \(rank)") }
    }

    /// The new adapter's targets: the union of name sets, or the alternatives of regexes.
    private static func unionOfTargets(_ targets: [TargetModules?]) throws -> TargetModules {
        var names: [String] = [], patterns: [String] = []
        for target in targets {
            switch target {
            case let .names(list)?: names += list
            case let .pattern(pattern)?: patterns.append(pattern)
            case .allLinear?, nil: throw TunerError.invalidState("an adapter's target_modules were never resolved to module names")
            }
        }
        guard names.isEmpty || patterns.isEmpty else {
            throw TunerError.invalidValue(field: "target_modules", reason: "all adapter configs should follow the same target modules type. Combining adapters with `target_modules` type being a mix of list/set and string is not supported.")
        }
        return patterns.isEmpty ? .names(Array(Set(names)).sorted()) : .pattern(patterns.map { "(\($0))" }.joined(separator: "|"))
    }

    /// The new factors `(A, B)` of one module from the adapters there.
    private func combine(_ sources: [(factors: LoraFactors, weight: Double)], type: CombinationType, rank: Int, module: String,
                         options: WeightedAdapterOptions, generator: inout RandomGenerator) throws -> (Tensor, Tensor) {
        switch type {
        case .cat:
            let a = try sources.map { try $0.factors.a.value().scaled(by: Float($0.weight)).scaled(by: $0.factors.scaling) }
            let b = try sources.map { try $0.factors.b.value() }
            return (Self.padded(rows: a, to: rank), try Self.padded(rows: b.map { try $0.transposed() }, to: rank).transposed())
        case .linear, .ties, .dareLinear, .dareTies, .magnitudePrune:
            let scaled = sources.map { Double($0.factors.scaling) * $0.weight }
            let weightsA = scaled.map { Float(abs($0).squareRoot() * ($0 >= 0 ? 1 : -1)) }, weightsB = scaled.map { Float(abs($0).squareRoot()) }
            let a = try type.merge(sources.map { try $0.factors.a.value() }, weights: weightsA, options: options, generator: &generator)
            let b = try type.merge(sources.map { try $0.factors.b.value() }, weights: weightsB, options: options, generator: &generator)
            return (a, b)
        case .svd, .tiesSvd, .dareLinearSvd, .dareTiesSvd, .magnitudePruneSvd:
            let (m, n) = (try sources[0].factors.b.value().shape[0], try sources[0].factors.a.value().shape[1])
            guard rank <= min(m, n) else {
                throw TunerError.invalidValue(field: "svd_rank", reason: "\(rank) is more than \(module) can hold (its delta is \(m)×\(n)); choose at most \(min(m, n))")
            }
            // svd's delta is a plain weighted sum of rank Σ rᵢ: its leading triplets come from the factors.
            if type == .svd, let svd = try LowRankSumSVD(sources.map { ($0.factors, Float($0.weight)) }), rank <= svd.s.count {
                return Self.truncatedFactors(u: svd.u, s: svd.s, vt: svd.vt, rank: rank, clamp: options.svdClamp)
            }
            let delta = try type.merge(sources.map { try $0.factors.scaledProduct() }, weights: sources.map { Float($0.weight) },
                                       options: options, generator: &generator)
            let svd = try Linalg.svd(delta)
            return Self.truncatedFactors(u: svd.u, s: svd.s.scalars, vt: svd.vt, rank: rank, clamp: options.svdClamp)
        }
    }

    /// `A = Vh[:rank]`, `B = U[:, :rank] · diag(S[:rank])` of a delta's SVD (`U` `[m, k]`, `Vh`
    /// `[k, n]`, `rank ≤ k`), clamped to ± the `clamp` quantile of their values when given.
    private static func truncatedFactors(u: Tensor, s: [Float], vt: Tensor, rank: Int, clamp: Double?) -> (Tensor, Tensor) {
        let (m, k, n) = (u.shape[0], u.shape[1], vt.shape[1])
        let u = u.scalars, vt = vt.scalars
        var b = [Float](repeating: 0, count: m * rank), a = Array(vt[0 ..< rank * n])
        for i in 0 ..< m { for j in 0 ..< rank { b[i * rank + j] = u[i * k + j] * s[j] } }
        if let clamp {
            let high = quantile(b + a, clamp), low = -high
            for i in b.indices { b[i] = min(max(b[i], low), high) }
            for i in a.indices { a[i] = min(max(a[i], low), high) }
        }
        return (Tensor(shape: [rank, n], data: a), Tensor(shape: [m, rank], data: b))
    }

    /// `torch.quantile` (linear interpolation between the nearest ranks).
    static func quantile(_ values: [Float], _ q: Double) -> Float {
        let sorted = values.sorted()
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = Int(position.rounded(.up))
        return sorted[low] + (sorted[high] - sorted[low]) * Float(position - Double(low))
    }

    /// The row blocks stacked, then zero rows up to `rows`.
    private static func padded(rows blocks: [Tensor], to rows: Int) -> Tensor {
        let columns = blocks[0].shape[1]
        var values = blocks.flatMap(\.scalars)
        values += [Float](repeating: 0, count: rows * columns - values.count)
        return Tensor(shape: [rows, columns], data: values)
    }

    /// How far the new adapter's delta is from `Σ wᵢ · ΔWᵢ` of its sources, relative to that sum.
    private static func relativeError(of combined: LoraFactors, from sources: [(factors: LoraFactors, weight: Double)]) throws -> Double {
        let target = try TaskMerging.taskArithmetic(sources.map { try $0.factors.scaledProduct() }, weights: sources.map { Float($0.weight) }).scalars
        let actual = try combined.scaledProduct().scalars
        var difference = 0.0, norm = 0.0
        for i in target.indices {
            difference += Double(actual[i] - target[i]) * Double(actual[i] - target[i])
            norm += Double(target[i]) * Double(target[i])
        }
        return norm == 0 ? (difference == 0 ? 0 : .infinity) : (difference / norm).squareRoot()
    }
}
