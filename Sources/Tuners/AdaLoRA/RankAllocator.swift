import Models
import Tensors

/// PEFT's `RankAllocator` driven by `AdaLoraModel.update_and_allocate(global_step)`: after every
/// optimizer step (before the gradients are cleared) it updates the importance of each `lora_A`,
/// `lora_E`, `lora_B` element, prunes the least important triplets to the scheduled budget by
/// zeroing their `lora_E` entries, and records the allocation as the adapter's `rank_pattern`.
public final class RankAllocator {
    /// The trainable AdaLoRA adapter it allocates for.
    public let adapter: String
    public let schedule: BudgetSchedule
    private let peft: PeftModel
    private let beta1: Double, beta2: Double
    /// The adapter's layers in module order.
    let layers: [(name: String, layer: AdaLoraLinear)]
    /// Per layer: the averages of its A, E and B.
    var importance: [String: [ImportanceAverages]] = [:]

    /// An allocator for the AdaLoRA adapter `adapter` of `peft`, which must be trainable. Its budget
    /// runs from the adapter's current ranks down to `target_r` per module.
    public init(peft: PeftModel, adapter: String) throws {
        guard let config = peft.configs[adapter] as? AdaLoraConfig else {
            throw TunerError.invalidState("\(adapter) is not an AdaLoRA adapter; only AdaLoRA adapters have a rank allocator")
        }
        guard peft.trainableAdapters.contains(adapter) else {
            throw TunerError.invalidState("the AdaLoRA adapter \(adapter) was loaded for inference; load it trainable to allocate its ranks")
        }
        self.peft = peft
        self.adapter = adapter
        (beta1, beta2) = (config.beta1, config.beta2)
        layers = peft.adapterLayers.compactMap { name, layer in
            (layer as? AdaLoraLinear).flatMap { $0.triplet(adapter) == nil ? nil : (name, $0) }
        }
        let initial = layers.reduce(0) { $0 + $1.layer.triplet(adapter)!.rank }
        schedule = BudgetSchedule(initialBudget: initial, targetBudget: config.targetR * layers.count, tinit: config.tinit,
                                  tfinal: config.tfinal, totalStep: config.totalStep!, deltaT: config.deltaT)
        guard schedule.targetBudget < initial else {
            throw TunerError.invalidValue(field: "target_r", reason: "the target budget (target_r \(config.targetR) × \(layers.count) modules = \(schedule.targetBudget)) must be below the starting ranks (\(initial)); lower target_r or raise init_r")
        }
    }

    var config: AdaLoraConfig {
        get { peft.configs[adapter] as! AdaLoraConfig }
        set { peft.configs[adapter] = newValue }
    }

    /// PEFT's `update_and_allocate(global_step)` (`globalStep` from 0): before
    /// `total_step - tfinal` update the importance, then mask if the schedule says so; at it, mask to
    /// the target budget and forget the importance; after it, re-apply the final `rank_pattern`.
    /// Returns the allocation when this step masked to a budget.
    @discardableResult
    public func updateAndAllocate(globalStep step: Int) throws -> RankAllocation? {
        let (budget, mask) = schedule.budget(atStep: step)
        switch schedule.phase(atStep: step) {
        case .warmup, .budgeting:
            updateImportance()
            return mask ? try maskToBudget(budget, step: step) : nil
        case .finalAllocation:
            let allocation = try maskToBudget(budget, step: step)
            importance = [:]
            return allocation
        case .finalFinetune:
            guard let pattern = config.rankPattern else {
                throw TunerError.invalidState("AdaLoRA's final phase needs the rank_pattern of the final allocation, and \(adapter) has none")
            }
            for (name, layer) in layers {
                guard let keep = pattern.keep(forModule: name, adapter: adapter) else { continue }
                try zeroPruned(of: layer, keep: keep)
            }
            return nil
        }
    }

    /// PEFT's `update_ipt` over every A, E and B of the adapter.
    private func updateImportance() {
        for (name, layer) in layers {
            let triplet = layer.triplet(adapter)!
            let tensors = [triplet.a, triplet.e, triplet.b].map { $0.tensor! }
            var averages = importance[name] ?? tensors.map { ImportanceAverages(count: $0.count) }
            for (index, tensor) in tensors.enumerated() {
                averages[index].update(values: tensor, gradient: tensor.grad, beta1: beta1, beta2: beta2)
            }
            importance[name] = averages
        }
    }

    /// Each layer's triplet scores: `score(E)[i] + (mean_j score(A)[i, j] + mean_j score(B)[j, i])`.
    private func tripletScores() -> [[Float]] {
        layers.map { name, layer in
            let triplet = layer.triplet(adapter)!
            let rank = triplet.rank, inputs = triplet.a.shape[1], outputs = triplet.b.shape[0]
            guard let averages = importance[name] else { return [Float](repeating: 0, count: rank) }
            let (a, e, b) = (averages[0].scores, averages[1].scores, averages[2].scores)
            return (0 ..< rank).map { i in
                let meanA = a[i * inputs ..< (i + 1) * inputs].reduce(0, +) / Float(inputs)
                let meanB = stride(from: i, to: outputs * rank, by: rank).reduce(Float(0)) { $0 + b[$1] } / Float(outputs)
                return e[i] + (meanA + meanB)
            }
        }
    }

    /// PEFT's `mask_to_budget`: the threshold is the `(initial - budget)`-th smallest triplet score
    /// over all modules (`torch.kthvalue`); every `lora_E` entry scoring at or below it is zeroed, and
    /// the keep-masks become the adapter's `rank_pattern`.
    private func maskToBudget(_ budget: Int, step: Int) throws -> RankAllocation {
        let scores = tripletScores()
        let k = schedule.initialBudget - budget
        guard k >= 1 else {
            throw TunerError.invalidState("AdaLoRA cannot mask to a budget of \(budget) with \(schedule.initialBudget) ranks in total; raise init_r or lower target_r")
        }
        let threshold = scores.joined().sorted()[k - 1]
        var entries: [RankPattern.Entry] = [], modules: [RankAllocation.ModuleRanks] = []
        for ((name, layer), moduleScores) in zip(layers, scores) {
            let keep = moduleScores.map { $0 > threshold }
            try zeroPruned(of: layer, keep: keep)
            entries.append(RankPattern.Entry(key: RankPattern.key(forModule: name), keep: keep))
            modules.append(RankAllocation.ModuleRanks(name: name, rank: keep.filter { $0 }.count, scores: moduleScores.map(Double.init)))
        }
        config.rankPattern = RankPattern(entries: entries)
        return RankAllocation(step: step + 1, budget: budget, modules: modules)
    }

    /// Sets the `lora_E` entries not in `keep` to zero, in place (the optimizer keeps its tensor).
    private func zeroPruned(of layer: AdaLoraLinear, keep: [Bool]) throws {
        let e = try layer.triplet(adapter)!.e.value()
        guard keep.count == e.count else {
            throw TunerError.invalidState("the rank_pattern of \(layer.path) lists \(keep.count) ranks, but the adapter has \(e.count)")
        }
        e.withUnsafeMutableBufferPointer { values in
            for (index, kept) in keep.enumerated() where !kept { values[index] = 0 }
        }
    }
}
