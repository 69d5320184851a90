/// What a module of the tree does, named as PyTorch and transformers name the class, so that the
/// tree reads like `print(model)` and target rules such as PEFT's "all-linear" can ask for a kind.
public enum ModuleKind: String, Sendable, CaseIterable, Codable {
    /// `nn.Linear`: an `[out, in]` weight and an optional bias.
    case linear = "Linear"
    /// transformers' `Conv1D` (GPT-2): an `[in, out]` weight and a bias.
    case conv1D = "Conv1D"
    /// `nn.Embedding`: a `[num_embeddings, dim]` table.
    case embedding = "Embedding"
    /// `nn.LayerNorm`: weight and bias over the last dimension.
    case layerNorm = "LayerNorm"
    /// RMSNorm as LLaMA uses it: a weight, no bias.
    case rmsNorm = "RMSNorm"
    /// `nn.Dropout`: no parameters.
    case dropout = "Dropout"
    /// Any module whose work is done by its children (a block, an attention layer, the model).
    case container = "Module"

    /// Whether PEFT's "all-linear" may select a module of this kind.
    public var isLinearLike: Bool { self == .linear || self == .conv1D }
}
