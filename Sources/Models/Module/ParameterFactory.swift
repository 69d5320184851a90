import Tensors

/// Makes the parameters of a model being built: shapes only (meta mode, for browsing a model's
/// tree or loading weights into it) or values initialised as transformers' `_init_weights` does
/// (weights normal with `std = initializer_range`, biases zero, norm weights one), from a seed.
public final class ParameterFactory {
    /// How parameters get their values.
    public enum Mode: Sendable {
        /// Shapes only; a checkpoint fills them in.
        case meta
        /// Fresh values, reproducible from the seed.
        case initialized(std: Float, seed: UInt64)
    }

    public let mode: Mode
    private var generator: RandomGenerator

    public init(_ mode: Mode) {
        self.mode = mode
        if case let .initialized(_, seed) = mode { generator = RandomGenerator(seed: seed) } else { generator = RandomGenerator(seed: 0) }
    }

    /// A weight matrix or embedding table.
    public func weight(_ shape: [Int]) -> Parameter {
        switch mode {
        case .meta: return Parameter(metaShape: shape)
        case let .initialized(std, _): return Parameter(Tensor.normal(shape, std: std, generator: &generator))
        }
    }

    /// A bias (zeros).
    public func zeros(_ shape: [Int]) -> Parameter { filled(shape, 0) }

    /// A norm's scale (ones).
    public func ones(_ shape: [Int]) -> Parameter { filled(shape, 1) }

    private func filled(_ shape: [Int], _ value: Float) -> Parameter {
        if case .meta = mode { return Parameter(metaShape: shape) }
        return Parameter(Tensor.full(shape, value))
    }
}
