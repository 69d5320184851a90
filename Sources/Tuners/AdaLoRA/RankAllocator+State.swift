import Tensors

extension RankAllocator {
    /// The triplet tensors' names, in the order the importance averages keep them.
    private static let tensorNames = ["lora_A", "lora_E", "lora_B"]

    /// What a resumed run needs to continue the allocation exactly: the importance averages
    /// (`<module>.<tensor>.exp_avg_ipt` / `.exp_avg_unc`) and the `rank_pattern` so far
    /// (`<module>.rank_pattern`, 1 for a kept rank), as tensors for a training checkpoint.
    public func stateTensors() -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for (name, averages) in importance {
            for (tensor, average) in zip(Self.tensorNames, averages) {
                tensors["\(name).\(tensor).exp_avg_ipt"] = Tensor(shape: [average.sensitivity.count], data: average.sensitivity)
                tensors["\(name).\(tensor).exp_avg_unc"] = Tensor(shape: [average.uncertainty.count], data: average.uncertainty)
            }
        }
        for (module, keep) in config.rankPattern?.masks(adapter: adapter) ?? [] {
            tensors["\(module).rank_pattern"] = Tensor(shape: [keep.count], data: keep.map { $0 ? 1 : 0 })
        }
        return tensors
    }

    /// Restores what `stateTensors()` saved; an entry that does not fit the adapter is an error.
    public func restoreState(from tensors: [String: Tensor]) throws {
        var restored: [String: [ImportanceAverages]] = [:], entries: [RankPattern.Entry] = []
        for (name, layer) in layers {
            let triplet = layer.triplet(adapter)!
            let counts = [triplet.a.count, triplet.e.count, triplet.b.count]
            let saved = zip(Self.tensorNames, counts).map { tensor, count in
                (tensors["\(name).\(tensor).exp_avg_ipt"], tensors["\(name).\(tensor).exp_avg_unc"], count)
            }
            if saved.allSatisfy({ $0.0 != nil && $0.1 != nil }) {
                restored[name] = try saved.map { sensitivity, uncertainty, count in
                    guard sensitivity!.count == count, uncertainty!.count == count else {
                        throw TunerError.adapterMismatch(path: name, reason: "the saved AdaLoRA importance does not fit the adapter's \(count) values")
                    }
                    return ImportanceAverages(sensitivity: sensitivity!.scalars, uncertainty: uncertainty!.scalars)
                }
            }
            if let keep = tensors["\(name).rank_pattern"] {
                entries.append(RankPattern.Entry(key: RankPattern.key(forModule: name), keep: keep.scalars.map { $0 != 0 }))
            }
        }
        importance = restored
        if !entries.isEmpty { config.rankPattern = RankPattern(entries: entries) }
    }
}
