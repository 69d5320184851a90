/// A weight quantised to bitsandbytes' 4-bit NormalFloat (`quant_type="nf4"`, QLoRA): the tensor is
/// flattened row-major and cut into blocks of 64 consecutive elements (a block may span rows; a
/// last partial block has its own absmax); each block keeps its absmax, and each element the index
/// (0...15) of the code value nearest to `clamp(x · (1 / absmax), -1, 1)`, the first code winning
/// a tie. Dequantised, an element is `code[index] · absmax`. With double quantisation
/// (`bnb_4bit_use_double_quant`, bitsandbytes' `compress_statistics`) the absmax values are stored
/// in 8 bits as well (`NF4Absmax.doubleQuantized`).
///
/// This is bitsandbytes' `quantize_4bit` / `dequantize_4bit`; LoftQ's initialisation uses it too.
public struct NF4Tensor: Sendable {
    /// The 16 NF4 code values, ascending, as bitsandbytes' `get_4bit_type("nf4")`.
    public static let code: [Float] = [
        -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
        -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
        0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
        0.7229568362236023, 1.0,
    ]
    /// Elements per absmax block (bitsandbytes' default `blocksize=64`).
    public static let blockSize = 64

    /// The shape of the quantised tensor.
    public let shape: [Int]
    /// The number of elements.
    public let count: Int
    /// The codes, two a byte: element `2i` in the high nibble and `2i + 1` in the low one, as
    /// bitsandbytes packs them.
    public let packedCodes: [UInt8]
    /// The absmax of every block, `ceil(count / 64)` of them.
    public let absmax: NF4Absmax

    /// Quantises `values` (row-major, `shape`); with `doubleQuantization` the absmax values are
    /// quantised again to 8 bits.
    public init(quantizing values: UnsafeBufferPointer<Float>, shape: [Int], doubleQuantization: Bool = false) {
        precondition(values.count == shape.reduce(1, *), "shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        count = values.count
        let blocks = (count + Self.blockSize - 1) / Self.blockSize
        var absmax = [Float](repeating: 0, count: blocks)
        var packed = [UInt8](repeating: 0, count: (count + 1) / 2)
        absmax.withUnsafeMutableBufferPointer { absmax in
            packed.withUnsafeMutableBufferPointer { packed in
                Parallel.forEachChunk(blocks, costPerItem: Self.blockSize) { range in
                    for block in range { Self.quantize(block: block, values, absmax: absmax, packed: packed) }
                }
            }
        }
        packedCodes = packed
        self.absmax = doubleQuantization ? .doubleQuantized(DoubleQuantizedAbsmax(absmax)) : .float32(absmax)
    }

    /// Quantises a tensor's values.
    public init(quantizing tensor: Tensor, doubleQuantization: Bool = false) {
        self = tensor.withUnsafeBufferPointer { NF4Tensor(quantizing: $0, shape: tensor.shape, doubleQuantization: doubleQuantization) }
    }

    /// The code index (0...15) of the element at row-major `index`.
    public func code(at index: Int) -> Int {
        let byte = packedCodes[index / 2]
        return Int(index % 2 == 0 ? byte >> 4 : byte & 0x0F)
    }

    /// Every element's code index, row-major.
    public var codes: [Int] { (0 ..< count).map(code(at:)) }

    /// The absmax of every block as dequantisation uses it (after double quantisation, its 8-bit value).
    public var blockAbsmax: [Float] { absmax.values }

    /// Bytes held: the packed codes and the absmax storage.
    public var byteCount: Int { packedCodes.count + absmax.byteCount }

    /// Writes the dequantised values, row-major, into the first `count` elements of `out`.
    public func dequantize(into out: UnsafeMutableBufferPointer<Float>) {
        precondition(out.count >= count, "the output holds \(out.count) values, \(count) are needed")
        let scales = absmax.values, n = count
        scales.withUnsafeBufferPointer { scales in
            packedCodes.withUnsafeBufferPointer { packed in
                Self.pairTable.withUnsafeBufferPointer { pairs in
                    Parallel.forEachChunk(scales.count, costPerItem: Self.blockSize) { range in
                        for block in range {
                            let scale = scales[block], start = block * Self.blockSize, end = Swift.min(n, start + Self.blockSize)
                            var i = start
                            while i + 1 < end {
                                let byte = Int(packed[i >> 1])
                                out[i] = pairs[2 * byte] * scale
                                out[i + 1] = pairs[2 * byte + 1] * scale
                                i += 2
                            }
                            if i < end { out[i] = pairs[2 * Int(packed[i >> 1])] * scale }
                        }
                    }
                }
            }
        }
    }

    /// The dequantised tensor.
    public func dequantized() -> Tensor {
        Tensor.make(shape: shape) { dequantize(into: $0) }
    }

    /// The index of the code value nearest to `scaled` (already clamped to [-1, 1]), the first one
    /// on a tie, as bitsandbytes' `argmin |scaled - code|`. The nearest code is one of the two that
    /// bracket `scaled`, and their float distances are compared as the argmin compares them.
    static func nearestCode(_ scaled: Float) -> Int {
        var low = 0, high = code.count - 1
        // The last code not above `scaled` (codes are ascending, code[0] = -1 <= scaled).
        while high - low > 1 {
            let middle = (low + high) / 2
            if code[middle] <= scaled { low = middle } else { high = middle }
        }
        return abs(scaled - code[high]) < abs(scaled - code[low]) ? high : low
    }

    private static func quantize(block: Int, _ values: UnsafeBufferPointer<Float>, absmax: UnsafeMutableBufferPointer<Float>,
                                 packed: UnsafeMutableBufferPointer<UInt8>) {
        let start = block * blockSize, end = Swift.min(values.count, start + blockSize)
        var largest: Float = 0
        for i in start ..< end { largest = Swift.max(largest, abs(values[i])) }
        absmax[block] = largest
        // An all-zero block: every element is exactly code 7 (0.0).
        let reciprocal: Float = largest > 0 ? 1 / largest : 0
        var i = start
        while i < end {
            let first = nearestCode(Swift.min(1, Swift.max(-1, values[i] * reciprocal)))
            let second = i + 1 < end ? nearestCode(Swift.min(1, Swift.max(-1, values[i + 1] * reciprocal))) : 0
            packed[i >> 1] = UInt8(first << 4 | second)
            i += 2
        }
    }

    /// For every byte, the code values of its high and low nibble.
    private static let pairTable: [Float] = (0 ..< 256).flatMap { [code[$0 >> 4], code[$0 & 0x0F]] }
}

/// How an `NF4Tensor` keeps its block absmax values.
public enum NF4Absmax: Sendable {
    /// As float32, one per block (`compress_statistics=False`).
    case float32([Float])
    /// Quantised again to 8 bits (`compress_statistics=True`).
    case doubleQuantized(DoubleQuantizedAbsmax)

    /// The absmax values dequantisation uses.
    public var values: [Float] {
        switch self {
        case let .float32(values): return values
        case let .doubleQuantized(compressed): return compressed.values
        }
    }

    /// Bytes held.
    public var byteCount: Int {
        switch self {
        case let .float32(values): return 4 * values.count
        case let .doubleQuantized(compressed): return compressed.byteCount
        }
    }
}
