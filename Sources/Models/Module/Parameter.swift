import Tensors

/// A named weight of a module: its shape always, and its values unless the model was built in
/// meta mode (shapes only, for browsing models far larger than memory). Modules that share a
/// weight (a tied embedding and output head) hold the same `Parameter` object.
public final class Parameter {
    /// The shape, known even without values.
    public let shape: [Int]
    /// The values, or nil in meta mode.
    public private(set) var tensor: Tensor?
    private var metaRequiresGrad = false

    /// A parameter holding `tensor`.
    public init(_ tensor: Tensor) {
        self.shape = tensor.shape
        self.tensor = tensor
    }

    /// A parameter with a shape and no values (meta mode).
    public init(metaShape: [Int]) {
        self.shape = metaShape
        self.tensor = nil
    }

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// Whether the parameter has no values.
    public var isMeta: Bool { tensor == nil }

    /// Whether the optimizer trains this parameter.
    public var requiresGrad: Bool {
        get { tensor?.requiresGrad ?? metaRequiresGrad }
        set {
            if let tensor { tensor.requiresGrad = newValue } else { metaRequiresGrad = newValue }
        }
    }

    /// The values, or an error saying the model has none.
    public func value() throws -> Tensor {
        guard let tensor else { throw ModelError.metaModel }
        return tensor
    }

    /// Sets the values (loading a checkpoint, merging an adapter); the shape must match. A parameter
    /// that has values keeps its tensor and has the new values copied in, so that an optimizer or
    /// anything else holding that tensor sees them; a meta parameter takes `newValue` itself.
    public func assign(_ newValue: Tensor, name: String) throws {
        guard newValue.shape == shape else {
            throw ModelError.shapeMismatch(name: name, expected: shape, found: newValue.shape)
        }
        if let tensor {
            try tensor.assign(newValue)
        } else {
            newValue.requiresGrad = metaRequiresGrad
            tensor = newValue
        }
    }
}
