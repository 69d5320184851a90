/// A model whose list of transformer layers PEFT's `layer_replication` can expand
/// (`replicate_layers`): the list is rebuilt from copies of its layers that share their weights, and
/// each copy takes its new position as its layer index (its own KV-cache slot).
public protocol LayerReplicating: PretrainedModel {
    /// The full name of the layer list (`model.layers`).
    var layerListName: String { get }
    /// For each layer of the current stack, the index of the checkpoint layer it computes with
    /// (`0, 1, ..., n-1` until the stack is replicated).
    var layerSources: [Int] { get }
    /// Replaces the layer list by copies of its current layers `indices`, in that order, sharing
    /// their weights. Returns what puts the previous list back.
    func replicateLayers(_ indices: [Int]) throws -> () -> Void
}
