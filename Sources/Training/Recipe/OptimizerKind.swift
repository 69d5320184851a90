/// The optimizer a recipe trains with (`optimizer:`), as `torch.optim` names them.
public enum OptimizerKind: String, CaseIterable, Equatable, Sendable {
    /// `torch.optim.AdamW` with the recipe's `betas`, `eps` and `weight_decay`.
    case adamw
    /// `torch.optim.SGD` with the recipe's `momentum` and `weight_decay`.
    case sgd
}
