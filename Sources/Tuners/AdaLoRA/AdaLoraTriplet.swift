import Models
import Tensors

/// One named AdaLoRA adapter of a layer, PEFT's SVD form: `lora_A` `[r, in]` (right singular
/// vectors), `lora_E` `[r, 1]` (singular values), `lora_B` `[out, r]` (left singular vectors), and
/// `ranknum`, a one-element parameter that does not train and is not saved (the rank the adapter
/// started with), with its dropout and scaling.
final class AdaLoraTriplet {
    let a: Parameter
    let e: Parameter
    let b: Parameter
    let ranknum: Parameter
    let scaling: Float
    let dropout: Dropout

    init(a: Tensor, e: Tensor, b: Tensor, ranknum: Float, scaling: Float, dropout: Dropout) {
        self.a = Parameter(a)
        self.e = Parameter(e)
        self.b = Parameter(b)
        self.ranknum = Parameter(Tensor(shape: [1], data: [ranknum]))
        self.scaling = scaling
        self.dropout = dropout
    }

    /// The current rank (rows of `lora_A`; pruned ranks still count until the adapter is resized).
    var rank: Int { a.shape[0] }

    /// `scaling / (ranknum + 1e-5)`, the factor PEFT applies to `B (A ⊙ E)`.
    func factor() throws -> Float {
        try scaling / (ranknum.value().item + 1e-5)
    }

    /// `(x (A ⊙ E)ᵀ) Bᵀ · scaling / (ranknum + 1e-5)`, as PEFT's `SVDLinear.forward` computes it.
    func update(_ x: Tensor) throws -> Tensor {
        let scaledA = try a.value() * e.value()
        return try x.linear(weight: scaledA).linear(weight: b.value()).scaled(by: factor())
    }

    /// PEFT's `get_delta_weight`: `B (A ⊙ E) · scaling / (ranknum + 1e-5)`, `[out, in]`, or its
    /// transpose for a Conv1D base (`.inOut`).
    func delta(layout: WeightLayout) throws -> Tensor {
        let scaledA = try a.value() * e.value()
        let product = layout == .outIn
            ? try b.value().matmul(scaledA)
            : try scaledA.matmul(b.value(), transposeSelf: true, transposeOther: true)
        return try product.scaled(by: factor())
    }

    /// This adapter with only the ranks `keep` marks (PEFT's `resize_modules_by_rank_pattern`): the
    /// kept rows of A and E and columns of B. `ranknum` stays, unless no rank is left.
    func keeping(_ keep: [Bool], scaling: Float) throws -> AdaLoraTriplet {
        let kept = keep.filter { $0 }.count
        return try AdaLoraTriplet(a: a.value().selectingRows(keep), e: e.value().selectingRows(keep), b: b.value().selectingColumns(keep),
                                  ranknum: kept == 0 ? 0 : ranknum.value().item, scaling: scaling, dropout: dropout)
    }
}
