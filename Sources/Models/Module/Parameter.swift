import Tensors

/// A named weight of a module: its shape always, and its values unless the model was built in
/// meta mode (shapes only, for browsing models far larger than memory). A frozen base weight may
/// keep its values packed (`frozen`: bfloat16, float16 or NF4) instead of as a float32 tensor;
/// layers then compute with it dequantised per use. Modules that share a weight (a tied embedding
/// and output head) hold the same `Parameter` object.
public final class Parameter {
    /// The shape, known even without values.
    public let shape: [Int]
    /// The float32 values, or nil in meta mode or when the values are packed.
    public private(set) var tensor: Tensor?
    /// The packed values of a frozen weight stored in less than float32, or nil.
    public private(set) var frozen: FrozenWeight?
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
    public var isMeta: Bool { tensor == nil && frozen == nil }

    /// Bytes its values take: 4 a value in float32, less when packed, 0 in meta mode.
    public var byteCount: Int { frozen?.byteCount ?? (tensor == nil ? 0 : 4 * count) }

    /// Whether the optimizer trains this parameter. Making a packed weight trainable first unpacks
    /// it to float32: only frozen weights stay packed.
    public var requiresGrad: Bool {
        get { tensor?.requiresGrad ?? metaRequiresGrad }
        set {
            if newValue, frozen != nil { unpack() }
            if let tensor { tensor.requiresGrad = newValue } else { metaRequiresGrad = newValue }
        }
    }

    /// The values, or an error saying the model has none. For a packed weight this is a float32
    /// copy made on each call: reading it is right, but writing to it changes nothing (merging into
    /// a packed weight unpacks it first, `unpack()`).
    public func value() throws -> Tensor {
        if let tensor { return tensor }
        if let frozen { return frozen.dequantized() }
        throw ModelError.metaModel
    }

    /// Sets the values (loading a checkpoint, merging an adapter); the shape must match. A parameter
    /// that has values keeps its tensor and has the new values copied in, so that an optimizer or
    /// anything else holding that tensor sees them; a meta parameter takes `newValue` itself; a
    /// packed one packs the new values in its format.
    public func assign(_ newValue: Tensor, name: String) throws {
        guard newValue.shape == shape else {
            throw ModelError.shapeMismatch(name: name, expected: shape, found: newValue.shape)
        }
        if let frozen {
            let doubleQuantization = if case let .nf4(packed) = frozen.storage, case .doubleQuantized = packed.absmax { true } else { false }
            self.frozen = FrozenWeight(packing: newValue, as: frozen.format, doubleQuantization: doubleQuantization)
        } else if let tensor {
            try tensor.assign(newValue)
        } else {
            newValue.requiresGrad = metaRequiresGrad
            tensor = newValue
        }
    }

    /// Stores the values packed (a frozen base weight in less memory); the float32 tensor is let go.
    /// A trainable parameter cannot be packed.
    public func pack(_ packed: FrozenWeight, name: String) throws {
        guard packed.shape == shape else {
            throw ModelError.shapeMismatch(name: name, expected: shape, found: packed.shape)
        }
        guard !requiresGrad else {
            throw ModelError.invalidInput("\(name) trains, so it stays float32; only frozen base weights can be stored as \(packed.format.rawValue)")
        }
        frozen = packed
        tensor = nil
    }

    /// Turns packed values back into a float32 tensor (exactly their dequantised values); nothing
    /// happens to a parameter that is not packed.
    public func unpack() {
        guard let frozen else { return }
        tensor = frozen.dequantized()
        self.frozen = nil
    }

    /// `input · Wᵀ + bias` (or `input · W + bias` for an `[in, out]` layout) with this weight,
    /// dequantising it per use when it is packed.
    public func linear(_ input: Tensor, bias: Tensor?, layout: WeightLayout) throws -> Tensor {
        if let frozen { return try input.linear(frozen: frozen, bias: bias, layout: layout) }
        return try input.linear(weight: value(), bias: bias, layout: layout)
    }
}
