import Tensors

/// `nn.Embedding`: a `[num_embeddings, dim]` table looked up by token id.
public final class Embedding: Module, TokenLayer {
    public let count: Int, dimension: Int
    public let weight: Parameter

    public convenience init(count: Int, dimension: Int, factory: ParameterFactory) {
        self.init(weight: factory.weight([count, dimension]))
    }

    /// An embedding over an existing table (for weights tied to another module).
    public init(weight: Parameter) {
        self.count = weight.shape[0]
        self.dimension = weight.shape[1]
        self.weight = weight
        super.init(kind: .embedding)
        register(weight, as: "weight")
    }

    public func forward(ids: [Int], shape: [Int]) throws -> Tensor {
        do {
            if let frozen = weight.frozen { return try frozen.rows(ids, shape: shape) }
            return try weight.value().indexSelect(rows: ids, shape: shape)
        } catch TensorError.invalidArgument {
            let bad = ids.first { $0 < 0 || $0 >= count } ?? -1
            throw ModelError.invalidInput("token id \(bad) is outside the vocabulary of \(count) tokens; were the inputs made with this model's tokenizer?")
        }
    }
}
