/// A float32 tensor: a shape over contiguous row-major storage, and, when it takes part in
/// automatic differentiation, its gradient and the node of the tape that produced it.
///
/// Storage is a Swift array shared copy-on-write: `reshaped(_:)` and `slice(_:)` (on the leading
/// dimension) are views that cost nothing, and the first write through any tensor that shares its
/// storage copies it. Tensors are reference types so that a parameter keeps its identity (an optimizer
/// updates it in place, a module tree holds it) while its values change.
public final class Tensor {
    /// The extent of each dimension, outermost first. A scalar has shape `[]`.
    public let shape: [Int]
    /// The number of elements, the product of `shape`.
    public let count: Int
    /// The shared storage; this tensor's elements are `storage[offset ..< offset + count]`.
    @usableFromInline internal var storage: [Float]
    @usableFromInline internal let offset: Int

    /// Whether gradients are computed for this tensor. Set it on leaves (parameters, inputs);
    /// results of operations on tensors that require gradients require them too.
    public var requiresGrad: Bool
    /// The gradient accumulated by `backward()`, for leaves that require gradients.
    public var grad: Tensor?
    /// The tape node that produced this tensor, or nil for a leaf or a tensor made without gradients.
    internal var gradNode: GradNode?

    @usableFromInline
    internal init(shape: [Int], storage: [Float], offset: Int, requiresGrad: Bool = false) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.storage = storage
        self.offset = offset
        self.requiresGrad = requiresGrad
        precondition(offset >= 0 && offset + count <= storage.count, "tensor view outside its storage")
    }

    /// A tensor of the given shape holding `data` in row-major order.
    /// - Precondition: `data.count` equals the product of `shape`. Use `Tensor(validating:data:)` for
    ///   data that comes from outside the program.
    public convenience init(shape: [Int], data: [Float], requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(shape.reduce(1, *) == data.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) values, got \(data.count)")
        self.init(shape: shape, storage: data, offset: 0, requiresGrad: requiresGrad)
    }

    /// A tensor of the given shape holding `data`, or an error naming both sizes if they disagree.
    public convenience init(validating shape: [Int], data: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(op: "Tensor", reason: "negative dimension in shape \(shape)")
        }
        let needed = shape.reduce(1, *)
        guard needed == data.count else {
            throw TensorError.shapeMismatch(op: "Tensor", shapes: [shape],
                                            reason: "the shape needs \(needed) values but \(data.count) were given")
        }
        self.init(shape: shape, storage: data, offset: 0)
    }

    /// A 0-dimensional tensor holding one value.
    public convenience init(scalar: Float, requiresGrad: Bool = false) {
        self.init(shape: [], storage: [scalar], offset: 0, requiresGrad: requiresGrad)
    }

    /// A tensor whose values `body` writes into uninitialised storage; `body` must write all of them.
    @inlinable
    public static func make(shape: [Int], _ body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows -> Tensor {
        let n = shape.reduce(1, *)
        let data = try [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
            try body(buffer)
            initialized = n
        }
        return Tensor(shape: shape, storage: data, offset: 0)
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }

    /// A tensor with every element equal to `value`.
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        Tensor(shape: shape, data: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// Whether this tensor's elements are the whole of its storage (it is not a view into a larger one).
    var ownsAllStorage: Bool { offset == 0 && storage.count == count }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The elements in row-major order, as a new array.
    public var scalars: [Float] {
        withUnsafeBufferPointer { Array($0) }
    }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item needs a one-element tensor, shape is \(shape)")
        return storage[offset]
    }

    /// Reads this tensor's elements without copying.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[offset ..< offset + count]))
        }
    }

    /// Writes this tensor's elements in place, first copying the storage if another tensor shares it.
    /// This is how optimizers, merges and loaders change a parameter without changing its identity.
    @inlinable
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        let start = offset, n = count
        return try storage.withUnsafeMutableBufferPointer { all in
            try body(UnsafeMutableBufferPointer(rebasing: all[start ..< start + n]))
        }
    }

    /// Replaces every element with those of `other`, which must have the same number of elements.
    public func assign(_ other: Tensor) throws {
        guard other.count == count else {
            throw TensorError.shapeMismatch(op: "assign", shapes: [shape, other.shape],
                                            reason: "element counts differ")
        }
        other.withUnsafeBufferPointer { src in
            withUnsafeMutableBufferPointer { dst in _ = dst.initialize(from: src) }
        }
    }

    /// A tensor with the same values that is not part of any gradient computation.
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage, offset: offset)
    }

    /// A copy with storage of its own (no sharing), not part of any gradient computation.
    public func copy() -> Tensor {
        Tensor(shape: shape, data: scalars)
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = withUnsafeBufferPointer { $0.prefix(8).map { String($0) }.joined(separator: ", ") }
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", ..." : "")])"
    }
}
