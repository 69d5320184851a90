/// The number formats a frozen base weight can be stored in.
public enum FrozenFormat: String, Sendable, CaseIterable {
    case bfloat16, float16, nf4
}

/// A frozen (never trained) weight kept in less memory than float32: bfloat16, float16 or NF4.
/// Computation stays in float32: an operation dequantises the weight into a scratch buffer right
/// before it uses it (`WeightScratch`) and lets the buffer go after, so only the packed form stays
/// resident. A class, so that tape nodes share it rather than copy it.
public final class FrozenWeight: @unchecked Sendable {
    /// How the values are stored.
    public enum Storage: Sendable {
        /// bfloat16 bit patterns, row-major.
        case bfloat16([UInt16])
        /// IEEE binary16 bit patterns, row-major.
        case float16([UInt16])
        /// bitsandbytes' NF4.
        case nf4(NF4Tensor)
    }

    public let shape: [Int]
    public let count: Int
    public let storage: Storage

    /// A weight over already packed values; `storage` must hold `shape`'s element count.
    public init(shape: [Int], storage: Storage) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.storage = storage
        switch storage {
        case let .bfloat16(bits), let .float16(bits): precondition(bits.count == count, "packed weight of the wrong size")
        case let .nf4(tensor): precondition(tensor.count == count, "packed weight of the wrong size")
        }
    }

    /// `values` stored in `format` (rounded to nearest for the 16-bit formats, NF4-quantised with
    /// optional double quantisation of the absmax).
    public convenience init(packing values: Tensor, as format: FrozenFormat, doubleQuantization: Bool = false) {
        let storage: Storage = values.withUnsafeBufferPointer { v in
            switch format {
            case .bfloat16: return .bfloat16(v.map(HalfPrecision.bf16(from:)))
            case .float16: return .float16(v.map(HalfPrecision.f16(from:)))
            case .nf4: return .nf4(NF4Tensor(quantizing: v, shape: values.shape, doubleQuantization: doubleQuantization))
            }
        }
        self.init(shape: values.shape, storage: storage)
    }

    /// The format of the storage.
    public var format: FrozenFormat {
        switch storage {
        case .bfloat16: return .bfloat16
        case .float16: return .float16
        case .nf4: return .nf4
        }
    }

    /// Bytes the packed values take.
    public var byteCount: Int {
        switch storage {
        case let .bfloat16(bits), let .float16(bits): return 2 * bits.count
        case let .nf4(tensor): return tensor.byteCount
        }
    }

    /// Bytes `count` values take packed as `format`, without packing them (a memory plan).
    public static func byteCount(format: FrozenFormat, count: Int, doubleQuantization: Bool = false) -> Int {
        switch format {
        case .bfloat16, .float16: return 2 * count
        case .nf4:
            let blocks = (count + NF4Tensor.blockSize - 1) / NF4Tensor.blockSize
            let absmax = doubleQuantization
                ? blocks + 4 * ((blocks + DoubleQuantizedAbsmax.blockSize - 1) / DoubleQuantizedAbsmax.blockSize) + 4 : 4 * blocks
            return (count + 1) / 2 + absmax
        }
    }

    /// Writes the float32 values, row-major, into the first `count` elements of `out`.
    public func dequantize(into out: UnsafeMutableBufferPointer<Float>) {
        switch storage {
        case let .bfloat16(bits): Self.widen(bits, into: out, HalfPrecision.floatFromBF16)
        case let .float16(bits): Self.widen(bits, into: out, HalfPrecision.floatFromF16)
        case let .nf4(tensor): tensor.dequantize(into: out)
        }
    }

    /// The float32 values as a tensor of their own.
    public func dequantized() -> Tensor {
        Tensor.make(shape: shape) { dequantize(into: $0) }
    }

    /// Rows `ids` of a matrix weight (an embedding lookup), float32, `shape + [columns]`, without
    /// dequantising the rest. NF4 rows go through their blocks.
    public func rows(_ ids: [Int], shape outShape: [Int]) throws -> Tensor {
        guard shape.count == 2 else { throw TensorError.invalidArgument(op: "rows", reason: "the weight is not a matrix") }
        let (rowCount, columns) = (shape[0], shape[1])
        if let bad = ids.first(where: { $0 < 0 || $0 >= rowCount }) {
            throw TensorError.invalidArgument(op: "embedding", reason: "index \(bad) is outside the table of \(rowCount) rows")
        }
        return Tensor.make(shape: outShape + [columns]) { out in
            switch storage {
            case let .bfloat16(bits), let .float16(bits):
                let widen = format == .bfloat16 ? HalfPrecision.floatFromBF16 : HalfPrecision.floatFromF16
                for (r, id) in ids.enumerated() {
                    for c in 0 ..< columns { out[r * columns + c] = widen(bits[id * columns + c]) }
                }
            case let .nf4(tensor):
                let scales = tensor.blockAbsmax
                for (r, id) in ids.enumerated() {
                    for c in 0 ..< columns {
                        let index = id * columns + c
                        out[r * columns + c] = NF4Tensor.code[tensor.code(at: index)] * scales[index / NF4Tensor.blockSize]
                    }
                }
            }
        }
    }

    private static func widen(_ bits: [UInt16], into out: UnsafeMutableBufferPointer<Float>, _ convert: @escaping (UInt16) -> Float) {
        bits.withUnsafeBufferPointer { bits in
            Parallel.forEachChunk(bits.count) { range in
                for i in range { out[i] = convert(bits[i]) }
            }
        }
    }
}
