/// A model whose list of transformer layers PEFT's `layer_replication` can expand
/// (`replicate_layers`): LLaMA-like decoders (`model.layers`), BERT (`encoder.layer`, under `bert`
/// in the task models) and the bare GPT-2 (`h`).
public protocol LayerReplicating: PretrainedModel {
    /// The layer list PEFT's `replicate_layers` finds in this model, or nil where it finds none
    /// (`GPT2LMHeadModel` keeps its blocks at `transformer.h`, which PEFT does not look for).
    var layerStack: LayerStack? { get }
}

/// A model's list of transformer layers and, for each entry, the checkpoint layer whose weights it
/// computes with. `replicate` rebuilds the list from copies of its layers that share their weights;
/// each copy takes its new position as its layer index (its own KV-cache slot), as PEFT renumbers
/// `layer_idx`.
public final class LayerStack {
    /// The full name of the layer list (`model.layers`, `bert.encoder.layer`, `h`).
    public let name: String
    /// The `config.json` key holding the layer count (`num_hidden_layers`, GPT-2's `n_layer`).
    public let layerCountKey: String
    /// For each layer of the current list, the index of the checkpoint layer it computes with
    /// (`0, 1, ..., n-1` until the list is replicated).
    public private(set) var sources: [Int]
    /// Whether the list was rebuilt by `replicate` (its layers are copies, maybe in the checkpoint's order).
    public private(set) var isReplicated = false
    /// The checkpoint's layer count.
    public let checkpointCount: Int

    public init(name: String, layerCountKey: String, count: Int) {
        self.name = name
        self.layerCountKey = layerCountKey
        self.sources = Array(0 ..< count)
        self.checkpointCount = count
    }

    /// Replaces the layer list of `model` by copies of its current layers `indices`, in that order,
    /// sharing their weights. Returns what puts the previous list back.
    public func replicate(_ indices: [Int], in model: Module) throws -> () -> Void {
        let parts = name.split(separator: ".").map(String.init), listName = parts.last!
        guard let parent = parts.count == 1 ? model : model.module(at: parts.dropLast().joined(separator: ".")),
              let original = parent.child(listName) else {
            throw ModelError.invalidInput("the model has no layer list \(name)")
        }
        let layers = original.children
        guard !indices.isEmpty else { throw ModelError.invalidInput("replicating \(name) needs at least one layer") }
        if let outside = indices.first(where: { !layers.indices.contains($0) }) {
            throw ModelError.invalidInput("cannot replicate layer \(outside) of \(name), which has \(layers.count) layers (0..\(layers.count - 1))")
        }
        let replicated = ModuleList(try indices.map { try layers[$0].module.sharingReplica() })
        let (previousSources, wasReplicated) = (sources, isReplicated)
        try parent.replaceChild(listName, with: replicated)
        (sources, isReplicated) = (indices.map { previousSources[$0] }, true)
        return { [self] in
            try? parent.replaceChild(listName, with: original)
            (sources, isReplicated) = (previousSources, wasReplicated)
        }
    }
}
