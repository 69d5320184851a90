import Models
import Tensors

/// PEFT's EVA (`tuners/lora/eva.py`), as `get_peft_model` + `initialize_lora_eva_weights(model,
/// dataloader)` run it: the principal directions of each adapted Linear layer's inputs, found by
/// incremental PCA over the calibration batches until they converge, become `lora_A` (`lora_B` is
/// zero, so the output is unchanged); the ranks are redistributed across layers by explained
/// variance, within the budget of the configured ranks, and written to `rank_pattern` (with
/// `alpha_pattern` under `adjust_scaling_factors`). A layer given rank 0 is not adapted.
enum EvaInitialization {
    /// The PEFT model with EVA's adapter.
    static func model(_ model: any PretrainedModel, config: LoraConfig, calibration: Calibration, seed: UInt64) throws -> PeftModel {
        let state = try stateDict(model, config: config, calibration: calibration)
        let adjusted = try adjustedConfig(config, components: state.components, in: model)
        let peft = try PeftModel(model: model, config: adjusted, seed: seed)
        for (name, a) in state.components where a.rows > 0 {
            guard let layer = peft.model.module(at: name) as? LoraLinear, let adapter = layer.adapter(AdapterFiles.defaultAdapterName) else {
                throw TunerError.invalidState("EVA computed lora_A for \(name), but the adapted model has no LoRA layer there")
            }
            try adapter.a.weight.assign(a.tensor, name: "\(name).lora_A.weight")
        }
        return peft
    }

    /// What `get_eva_state_dict` computes, with the counts the fixtures record.
    struct StateDict {
        /// `lora_A` (`[rank, in]`) of every adapted Linear layer, rank 0 for the ones EVA drops, in
        /// PEFT's order.
        var components: [(name: String, a: Float64Matrix)]
        /// The layers that got their own SVD, with its final state.
        var pca: [String: IncrementalPCA]
        /// `{layer: the layer whose SVD it shares}` for layers with identical inputs.
        var equalInputs: [String: String]
        var forwardPasses: Int
    }

    /// `get_eva_state_dict` over the Linear layers `config` adapts in `model` (run unadapted).
    static func stateDict(_ model: any PretrainedModel, config: LoraConfig, calibration: Calibration) throws -> StateDict {
        let eva = try config.evaConfig()
        let targets = try LinearTarget.all(of: config, in: model)
        var rho = eva.rho
        if rho > 1000 {
            let largest = model.namedParameters().flatMap(\.parameter.shape).max() ?? 0
            rho = min(rho, Double(largest / config.r))
        }
        var maxComponents: [String: Int] = [:], budget = 0
        for target in targets {
            let r = try config.rankAndAlpha(for: target.name).r
            maxComponents[target.name] = Int((Double(r) * rho).rounded(.toNearestOrEven))
            budget += r
        }
        let pass = EvaPass(targets: targets, eva: eva, maxComponents: maxComponents, budget: budget)
        try pass.run(model, calibration: calibration)
        return try pass.result()
    }

    /// The config PEFT's `_load_eva_state_dict` leaves: `target_modules` the explicit list of the
    /// kept modules (PEFT's minimal suffixes from 20 modules on), `rank_pattern` every rank that is not
    /// `r`, `alpha_pattern` every alpha that is not `lora_alpha` (alpha × rank / r under
    /// `adjust_scaling_factors`).
    static func adjustedConfig(_ config: LoraConfig, components: [(name: String, a: Float64Matrix)], in model: any PretrainedModel) throws -> LoraConfig {
        let ranks = Dictionary(uniqueKeysWithValues: components.map { ($0.name, $0.a.rows) })
        let eva = try config.evaConfig()
        var targeting = config.targeting
        let targets = try PeftModel.resolveTargets(&targeting, taskType: config.base.taskType, in: model).map(\.key)
        var kept: [String] = [], missing: [String] = []
        var rankPattern: [(key: String, value: Int)] = [], alphaPattern: [(key: String, value: Double)] = []
        for name in targets {
            var (r, alpha) = try config.rankAndAlpha(for: name)
            let rank: Int
            if let found = ranks[name] {
                rank = found
                if rank == 0 { continue }
                if rank != r, eva.adjustScalingFactors { alpha *= Double(rank) / Double(r) }
                kept.append(name)
            } else {
                rank = r
                missing.append(name)
            }
            if rank != config.r { rankPattern.append((name, rank)) }
            if alpha != config.loraAlpha { alphaPattern.append((name, alpha)) }
        }
        var names = kept + missing
        if names.count >= MinimalTargetModules.threshold {
            let others = model.namedModules().map(\.name).filter { !$0.isEmpty && !targets.contains($0) }
            names = try MinimalTargetModules.find(names, others: others)
        }
        var adjusted = config
        adjusted.targetModules = .names(names)
        adjusted.rankPattern = rankPattern
        adjusted.alphaPattern = alphaPattern
        return adjusted
    }
}

/// The state of one EVA calibration pass (PEFT's hooks and loop in `_get_eva_state_dict`).
private final class EvaPass {
    let targets: [LinearTarget]
    let eva: EvaConfig
    var maxComponents: [String: Int]
    let budget: Int
    /// Layers with their own SVD, in module order, and the layer each other layer shares it with.
    var svdLayers: [String] = []
    var equalInputs: [(layer: String, svd: String)] = []
    var pca: [String: IncrementalPCA] = [:]
    var converged: [String: [Bool]] = [:]
    var done: [String: Bool] = [:]
    var rankDistribution: [(layer: String, rank: Int)]
    var forwards = 0
    /// Row positions of the current batch that the SVD reads (PEFT's `prepare_model_inputs_fn`).
    var rows: [Int] = []
    var hashInputs: [String: [Float]] = [:]
    /// A layer's selected input waiting to be fitted beside the next layer's.
    var waiting: (name: String, states: Tensor)?

    init(targets: [LinearTarget], eva: EvaConfig, maxComponents: [String: Int], budget: Int) {
        self.targets = targets
        self.eva = eva
        self.maxComponents = maxComponents
        self.budget = budget
        rankDistribution = targets.map { ($0.name, maxComponents[$0.name]!) }
    }

    func run(_ model: any PretrainedModel, calibration: Calibration) throws {
        for target in targets where maxComponents[target.name]! > target.inFeatures {
            throw TunerError.invalidValue(field: "eva_config.rho", reason: "EVA would take round(r · rho) = \(maxComponents[target.name]!) components of the inputs of \(target.name), which has only \(target.inFeatures) input features (n_components=\(maxComponents[target.name]!) invalid for n_features=\(target.inFeatures)); lower r, its rank_pattern entry or rho")
        }
        let batches = calibration.batches
        // One forward of the first batch finds the layers whose inputs are identical.
        try calibration.checkStop("EVA")
        try LayerInputRecorder.recording(targets, in: model, record: { name, x in self.hashInputs[name] = try self.selectedRows(x, of: name).scalars }) {
            rows = try selection(batches[0])
            _ = try model.forward(batches[0].input)
        }
        forwards = 1
        groupEqualInputs()
        let svdTargets = targets.filter { pca[$0.name] != nil }
        try LayerInputRecorder.recording(svdTargets, in: model, record: { name, x in try self.fit(name, x) }) {
            var index = 0
            while true {
                let batch = batches[index % batches.count]
                index += 1
                let ranks = Dictionary(uniqueKeysWithValues: rankDistribution.map { ($0.layer, $0.rank) })
                // A layer whose first rank_dist components converged stops fitting; it starts
                // again if a later distribution needs more of its components.
                for name in svdLayers { done[name] = converged[name]!.prefix(ranks[name]!).allSatisfy { $0 } }
                let finished = svdLayers.filter { done[$0]! }.count + equalInputs.filter { done[$0.svd]! }.count
                calibration.report(CalibrationProgress(method: "EVA", done: forwards, total: nil,
                                                       detail: "forward passes; \(finished)/\(targets.count) layers converged"))
                if svdLayers.allSatisfy({ done[$0]! }) { break }
                try calibration.checkStop("EVA")
                rows = try selection(batch)
                _ = try model.forward(batch.input)
                try flush()
                forwards += 1
                if svdLayers.allSatisfy({ pca[$0]!.components != nil }) { rankDistribution = distributeRanks() }
            }
        }
    }

    /// PEFT's `find_equal_values` over the first batch's inputs: the first layer of each group (in
    /// module order) gets the SVD, and the group's `max_components` is its largest.
    func groupEqualInputs() {
        var groups: [[String]] = []
        for target in targets {
            if let index = groups.firstIndex(where: { hashInputs[$0[0]] == hashInputs[target.name] }) {
                groups[index].append(target.name)
            } else {
                groups.append([target.name])
            }
        }
        for group in groups {
            let largest = group.map { maxComponents[$0]! }.max()!
            for name in group { maxComponents[name] = largest }
            for name in group.dropFirst() { equalInputs.append((name, group[0])) }
        }
        let shared = Set(equalInputs.map(\.layer))
        for target in targets where !shared.contains(target.name) {
            svdLayers.append(target.name)
            pca[target.name] = IncrementalPCA(components: maxComponents[target.name]!)
            converged[target.name] = Array(repeating: false, count: maxComponents[target.name]!)
            done[target.name] = false
        }
        rankDistribution = targets.map { ($0.name, maxComponents[$0.name]!) }
        hashInputs = [:]
    }

    /// The positions whose inputs the SVD reads: attention mask 1 and, with `use_label_mask` and
    /// labels in the batch, a label other than `label_mask_value`; in row-major order.
    func selection(_ batch: CalibrationBatch) throws -> [Int] {
        let count = batch.input.batch * batch.input.length
        let mask = batch.input.attentionMask.map { Array($0.prefix(count)) } ?? Array(repeating: 1, count: count)
        let labels = eva.useLabelMask ? batch.labels : nil
        if let labels, labels.count != count {
            throw TunerError.invalidState("a calibration batch has \(labels.count) labels for \(count) tokens")
        }
        return (0 ..< count).filter { position in mask[position] != 0 && (labels.map { $0[position] != eva.labelMaskValue } ?? true) }
    }

    /// The selected rows of a layer input (`[positions, in]` flattened from `[batch, length, in]`);
    /// when every position is selected, the input itself, reshaped.
    func selectedRows(_ x: Tensor, of name: String) throws -> Tensor {
        guard let features = x.shape.last, features > 0, x.count % features == 0, rows.allSatisfy({ $0 < x.count / features }) else {
            throw TunerError.invalidState("the input of \(name) (shape \(x.shape)) does not have one row per token")
        }
        let positions = x.count / features
        // `rows` ascends, so all of them selected is every position in order.
        if rows.count == positions { return try x.reshaped([positions, features]) }
        return x.withUnsafeBufferPointer { values in
            Tensor.make(shape: [rows.count, features]) { out in
                for (i, row) in rows.enumerated() {
                    for j in 0 ..< features { out[i * features + j] = values[row * features + j] }
                }
            }
        }
    }

    /// `SVDHook.__call__`: a layer still converging fits this batch's rows (skipped when there are
    /// fewer rows than components) and compares its components with the previous ones. The rows
    /// wait for the next layer's, and the two layers fit together, one per core (`flush` fits the
    /// last one of a pass); the fits are independent, so only their order changes.
    func fit(_ name: String, _ x: Tensor) throws {
        guard done[name] == false, let model = pca[name] else { return }
        let states = try selectedRows(x, of: name)
        guard states.shape[0] >= model.componentCount else { return }
        if let first = waiting {
            waiting = nil
            try fit([first, (name, states)])
        } else if Parallel.width > 1 {
            waiting = (name, states)
        } else {
            try fit([(name, states)])
        }
    }

    /// Fits the layer input still waiting for a partner at the end of a forward pass.
    func flush() throws {
        guard let last = waiting else { return }
        waiting = nil
        try fit([last])
    }

    /// The `partial_fit`s of `inputs`, one per core, then each layer's convergence.
    private func fit(_ inputs: [(name: String, states: Tensor)]) throws {
        var fitted = [Result<IncrementalPCA, any Error>?](repeating: nil, count: inputs.count)
        fitted.withUnsafeMutableBufferPointer { fitted in
            Parallel.forBlocks(of: inputs.count, alignedTo: 1) { range in
                for i in range {
                    fitted[i] = Result {
                        var model = pca[inputs[i].name]!
                        try model.partialFit(inputs[i].states)
                        return model
                    }
                }
            }
        }
        for (input, result) in zip(inputs, fitted) {
            let model = try result!.get()
            if let previous = pca[input.name]!.components, let now = model.components {
                converged[input.name] = IncrementalPCA.cosineSimilarities(now, previous).map { $0 >= eva.tau }
            }
            pca[input.name] = model
        }
    }

    /// `_get_rank_distribution`: the `budget` largest explained-variance ratios over all layers
    /// (each equal-input layer counting its SVD layer's values), counted per layer; an equal-input
    /// layer that got more than its SVD layer swaps counts with it.
    func distributeRanks() -> [(layer: String, rank: Int)] {
        let order = svdLayers.map { ($0, $0) } + equalInputs.map { ($0.layer, $0.svd) }
        var entries: [(layer: String, value: Double)] = []
        for (layer, svd) in order {
            for value in pca[svd]!.explainedVarianceRatio.prefix(maxComponents[svd]!) { entries.append((layer, value)) }
        }
        let ranked = entries.indices.sorted { entries[$0].value > entries[$1].value || (entries[$0].value == entries[$1].value && $0 < $1) }
        var counts = Dictionary(uniqueKeysWithValues: order.map { ($0.0, 0) })
        for index in ranked.prefix(budget) { counts[entries[index].layer]! += 1 }
        for (layer, svd) in equalInputs where counts[svd]! < counts[layer]! {
            (counts[svd], counts[layer]) = (counts[layer]!, counts[svd]!)
        }
        return order.map { ($0.0, counts[$0.0]!) }
    }

    /// `lora_A` of every layer in the order of the rank distribution: the first `rank` components
    /// of its SVD. Under `whiten` PEFT divides the rows in place in the SVD's own storage, so layers
    /// sharing an SVD see every division made for any of them; that is kept.
    func result() throws -> EvaInitialization.StateDict {
        let svdOf = Dictionary(uniqueKeysWithValues: svdLayers.map { ($0, $0) } + equalInputs.map { ($0.layer, $0.svd) })
        var storage = pca.compactMapValues(\.components)
        for (layer, rank) in rankDistribution {
            let svd = svdOf[layer]!
            guard converged[svd]!.prefix(rank).allSatisfy({ $0 }), let model = pca[svd], model.components != nil else {
                throw TunerError.invalidState("EVA: layer \(layer) has not converged but was assigned rank \(rank)")
            }
            guard eva.whiten else { continue }
            for i in 0 ..< rank {
                let root = model.singularValues[i].squareRoot()
                for j in 0 ..< storage[svd]!.cols { storage[svd]![i, j] /= root }
            }
        }
        let components = rankDistribution.map { layer, rank in (layer, storage[svdOf[layer]!]!.rows(0 ..< rank)) }
        return EvaInitialization.StateDict(components: components, pca: pca,
                                           equalInputs: Dictionary(uniqueKeysWithValues: equalInputs.map { ($0.layer, $0.svd) }), forwardPasses: forwards)
    }
}
