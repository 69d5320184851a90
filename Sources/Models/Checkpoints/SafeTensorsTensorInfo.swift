/// What a safetensors header says about one tensor: its name, element type, shape and where its
/// bytes lie in the data buffer. Reading it touches no tensor data.
public struct SafeTensorsTensorInfo: Sendable, Equatable {
    /// The tensor's name, an opaque string (it usually contains dots).
    public let name: String
    /// The element type.
    public let dtype: SafeTensorsDType
    /// The extent of each dimension, outermost first; `[]` for a scalar. May contain zeros.
    public let shape: [Int]
    /// The tensor's bytes, relative to the start of the data buffer (just after the header).
    public let dataOffsets: Range<Int>

    /// The number of elements, the product of `shape`.
    public var elementCount: Int { shape.reduce(1, *) }
    /// The number of bytes of data, `elementCount * dtype.byteSize`.
    public var byteCount: Int { dataOffsets.count }
}
