import Models
import Tensors

/// LoRA around an `Embedding`: `y = E[ids] + scaling · (Aᵀ[ids]) Bᵀ` with `lora_embedding_A`
/// `[r, num_embeddings]` and `lora_embedding_B` `[dim, r]`, PEFT's parameter-dict layout.
public final class LoraEmbedding: Module, TokenLayer, AdapterLayer {
    public let baseLayer: Module
    /// The full name of the wrapped module.
    public let path: String
    public private(set) var adapterNames: [String] = []
    public var activeAdapters: [String] = []
    public var adaptersDisabled = false
    public private(set) var mergedAdapters: [String] = []
    private(set) var scalings: [String: Float] = [:]
    private let base: Embedding
    private static let dictionaryNames = ["lora_embedding_A", "lora_embedding_B"]

    init(wrapping base: Embedding, path: String) {
        self.base = base
        self.path = path
        baseLayer = base
        super.init(kind: .embedding, typeName: "lora.Embedding")
        register(base, as: "base_layer")
        register(AdapterModuleDict(), as: "lora_dropout")
        for name in Self.dictionaryNames { register(AdapterParameterDict(), as: name) }
    }

    /// Adds the adapter `name`: `a` `[r, count]`, `b` `[dimension, r]`.
    func add(_ name: String, a: Tensor, b: Tensor, scaling: Double, dropout: Dropout) {
        adapterNames.append(name)
        scalings[name] = Float(scaling)
        child("lora_dropout")!.register(dropout, as: name)
        child("lora_embedding_A")!.register(Parameter(a), as: name)
        child("lora_embedding_B")!.register(Parameter(b), as: name)
    }

    private func weights(_ name: String) throws -> (a: Tensor, b: Tensor, scaling: Float) {
        guard let scaling = scalings[name] else { throw TunerError.unknownAdapter(name, available: adapterNames) }
        return (try child("lora_embedding_A")!.parameter(name)!.value(), try child("lora_embedding_B")!.parameter(name)!.value(), scaling)
    }

    public func adapterParameters(of adapter: String) -> [(name: String, parameter: Parameter)] {
        Self.dictionaryNames.compactMap { dictionary in
            child(dictionary)!.parameter(adapter).map { ("\(dictionary).\(adapter)", $0) }
        }
    }

    public func deleteAdapter(_ name: String) {
        activeAdapters.removeAll { $0 == name }
        guard scalings.removeValue(forKey: name) != nil else { return }
        adapterNames.removeAll { $0 == name }
        removeEntries(of: name, from: ["lora_dropout"] + Self.dictionaryNames)
    }

    public func forward(ids: [Int], shape: [Int]) throws -> Tensor {
        try adaptedForward(base: { try base.forward(ids: ids, shape: shape) }) { name, result in
            guard scalings[name] != nil else { return }
            let (a, b, scaling) = try weights(name)
            let picked = try a.transposed().indexSelect(rows: ids, shape: shape)
            result = try result + picked.matmul(b, transposeOther: true).scaled(by: scaling)
        }
    }

    public func deltaWeight(of name: String) throws -> Tensor {
        let (a, b, scaling) = try weights(name)
        return try GradMode.withoutGradients { try a.matmul(b, transposeSelf: true, transposeOther: true).scaled(by: scaling) }
    }

    public func merge(adapters requested: [String]?, safe: Bool) throws {
        for name in adaptersToMerge(requested) {
            let merged = try GradMode.withoutGradients { try base.weight.value() + deltaWeight(of: name) }
            if safe, !merged.isFinite { throw TunerError.brokenMerge(adapter: name, module: path) }
            try base.weight.value().assign(merged)
            mergedAdapters.append(name)
        }
    }

    public func unmerge() throws {
        while let name = mergedAdapters.popLast() {
            guard scalings[name] != nil else { continue }
            let restored = try GradMode.withoutGradients { try base.weight.value() - deltaWeight(of: name) }
            try base.weight.value().assign(restored)
        }
    }
}
