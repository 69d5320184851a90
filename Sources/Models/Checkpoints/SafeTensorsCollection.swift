import Tensors

/// A set of named tensors stored in safetensors form: one file, or the shards of a checkpoint seen
/// as one. Listing reads only headers; each load reads (pages in) only the tensor asked for.
public protocol SafeTensorsCollection: AnyObject {
    /// Every tensor's header entry; a file lists them in data order, a sharded checkpoint shard by shard.
    var tensorInfos: [SafeTensorsTensorInfo] { get }
    /// The header entry of the tensor called `name`, or nil if there is none.
    func info(named name: String) -> SafeTensorsTensorInfo?
    /// The tensor called `name` as float32, converted from F32, F16, BF16, F64, I64 or I32.
    func tensor(named name: String) throws -> Tensor
    /// The tensor called `name` as integers (token ids, masks, labels), from I64 or I32, row-major.
    func integers(named name: String) throws -> [Int]
    /// Calls `body` with the raw little-endian bytes of the tensor called `name`, without copying
    /// them (a bf16 weight kept as bf16). The pointer is valid only inside `body`.
    func withRawBytes<R>(of name: String, _ body: (SafeTensorsTensorInfo, UnsafeRawBufferPointer) throws -> R) throws -> R
}

extension SafeTensorsCollection {
    /// The tensor names, in the order of `tensorInfos`.
    public var names: [String] { tensorInfos.map(\.name) }
}
