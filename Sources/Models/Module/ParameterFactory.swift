import Tensors

/// Makes the parameters of a model being built: shapes only (meta mode, for browsing a model's
/// tree or loading weights into it) or values initialised as transformers' `_init_weights` does
/// (weights normal with `std = initializer_range`, biases zero, norm weights one), from a seed.
/// Each weight takes one draw of the factory's generator as the seed of its own `FastNormal`
/// values, so a weight's values do not depend on the size of the weights made before it.
/// With `deferringWeights`, weights get shapes only and keep that seed; `initialValues(of:)` draws
/// their values later, one weight at a time: a model can then be initialised straight into packed
/// storage without ever holding all of its float32 weights, and gets the same values as undeferred.
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
    private let defersWeights: Bool
    /// The seed of each deferred weight's values.
    private var deferred: [ObjectIdentifier: UInt64] = [:]

    public init(_ mode: Mode, deferringWeights: Bool = false) {
        self.mode = mode
        self.defersWeights = deferringWeights
        if case let .initialized(_, seed) = mode { generator = RandomGenerator(seed: seed) } else { generator = RandomGenerator(seed: 0) }
    }

    /// A weight matrix or embedding table.
    public func weight(_ shape: [Int]) -> Parameter {
        switch mode {
        case .meta: return Parameter(metaShape: shape)
        case let .initialized(std, _):
            let seed = generator.next()
            guard defersWeights else { return Parameter(FastNormal.tensor(shape, std: std, seed: seed)) }
            let parameter = Parameter(metaShape: shape)
            deferred[ObjectIdentifier(parameter)] = seed
            return parameter
        }
    }

    /// The values a deferred weight would have had, drawn now; nil for a parameter this factory
    /// did not defer.
    public func initialValues(of parameter: Parameter) -> Tensor? {
        guard case let .initialized(std, _) = mode, let seed = deferred[ObjectIdentifier(parameter)] else { return nil }
        return FastNormal.tensor(parameter.shape, std: std, seed: seed)
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
