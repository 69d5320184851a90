import Models

extension PeftModel {
    /// One line on the adapter-level shared tensors of `adapter`, for display, or nil when it has
    /// none: their names and shapes, their size, whether they train, and how many wrapped layers
    /// share them (`vblora_vector_bank [32, 32] · 1,024 values · trains · shared by the 8 layers of bank`).
    public func sharedTensorSummary(of adapter: String) -> String? {
        let shared = configs[adapter]?.sharedTensors ?? []
        guard !shared.isEmpty else { return nil }
        let names = shared.map { "\($0.name) \($0.parameter.shape)" }.joined(separator: ", ")
        let count = shared.reduce(0) { $0 + $1.parameter.count }
        let training = shared.allSatisfy(\.trains) ? "trains" : shared.contains(where: \.trains) ? "partly trains" : "frozen"
        return "\(names) · \(ModuleTree.grouped(count)) values · \(training) · shared by the \(wrappedModuleNames(of: adapter).count) layers of \(adapter)"
    }
}
