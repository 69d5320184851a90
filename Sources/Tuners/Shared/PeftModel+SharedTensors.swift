import Models

extension PeftModel {
    /// One line per adapter-level shared tensor of `adapter`, for display: its name, shape, size,
    /// whether it trains, and how many wrapped layers share it
    /// (`vblora_vector_bank [32, 32] · 1,024 values · trains · shared by the 8 layers of bank`).
    public func sharedTensorSummaries(of adapter: String) -> [String] {
        let layers = wrappedModuleNames(of: adapter).count
        return (configs[adapter]?.sharedTensors ?? []).map { shared in
            "\(shared.name) \(shared.parameter.shape) · \(ModuleTree.grouped(shared.parameter.count)) values · "
                + (shared.trains ? "trains" : "frozen") + " · shared by the \(layers) layers of \(adapter)"
        }
    }
}
