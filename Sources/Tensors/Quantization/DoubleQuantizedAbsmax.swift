/// NF4's block absmax values quantised again, as bitsandbytes' double quantisation
/// (`compress_statistics=True`) does: their mean is subtracted (`offset`), and the rest is quantised
/// blockwise to 8 bits (`quantize_blockwise`, blocks of 256, an absmax per block) against
/// bitsandbytes' signed dynamic map (`create_dynamic_map`). A value is then
/// `map[code] · blockAbsmax + offset`.
public struct DoubleQuantizedAbsmax: Sendable {
    /// Values per second-level block (bitsandbytes quantises the absmax with `blocksize=256`).
    public static let blockSize = 256
    /// The mean of the original absmax values, subtracted before quantising.
    public let offset: Float
    /// One 8-bit code per absmax value.
    public let codes: [UInt8]
    /// The absmax of every 256 centred values.
    public let blockAbsmax: [Float]

    /// Quantises `absmax`.
    public init(_ absmax: [Float]) {
        let mean = Float(absmax.reduce(0.0) { $0 + Double($1) } / Double(Swift.max(absmax.count, 1)))
        offset = mean
        let centred = absmax.map { $0 - mean }
        var scales: [Float] = []
        var codes = [UInt8](repeating: 0, count: centred.count)
        for start in stride(from: 0, to: centred.count, by: Self.blockSize) {
            let end = Swift.min(centred.count, start + Self.blockSize)
            let largest = centred[start ..< end].reduce(Float(0)) { Swift.max($0, abs($1)) }
            scales.append(largest)
            for i in start ..< end {
                codes[i] = UInt8(Self.nearest(largest > 0 ? centred[i] / largest : 0))
            }
        }
        self.codes = codes
        blockAbsmax = scales
    }

    /// The absmax values as dequantisation uses them.
    public var values: [Float] {
        codes.indices.map { Self.dynamicMap[Int(codes[$0])] * blockAbsmax[$0 / Self.blockSize] + offset }
    }

    /// Bytes held.
    public var byteCount: Int { codes.count + 4 * blockAbsmax.count + 4 }

    /// bitsandbytes' `create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)`, in float32
    /// as PyTorch computes it: for exponents 10⁻⁶ … 10⁰, the midpoints of `linspace(0.1, 1, 2ⁱ + 1)`
    /// with both signs, then 0 and 1, sorted (256 values).
    public static let dynamicMap: [Float] = {
        var data: [Float] = []
        for i in 0 ..< 7 {
            let boundaries = linspace(0.1, 1, count: (1 << i) + 1)
            let scale = Float(pow10(i - 6))
            for j in 0 ..< boundaries.count - 1 {
                let mean = (boundaries[j] + boundaries[j + 1]) / 2
                data.append(scale * mean)
                data.append(-scale * mean)
            }
        }
        data.append(0)
        data.append(1)
        return data.sorted()
    }()

    /// `torch.linspace(start, end, count)` in float32: the first half stepped from `start`, the
    /// second from `end`.
    static func linspace(_ start: Float, _ end: Float, count: Int) -> [Float] {
        let step = (end - start) / Float(count - 1)
        return (0 ..< count).map { i in i < count / 2 ? start + Float(i) * step : end - Float(count - 1 - i) * step }
    }

    private static func pow10(_ exponent: Int) -> Double {
        exponent >= 0 ? (0 ..< exponent).reduce(1.0) { acc, _ in acc * 10 } : 1 / pow10(-exponent)
    }

    /// The index of the map value nearest to `scaled`, the first one on a tie.
    static func nearest(_ scaled: Float) -> Int {
        let map = dynamicMap
        guard scaled > map[0] else { return 0 }
        var low = 0, high = map.count - 1
        guard scaled < map[high] else { return high }
        while high - low > 1 {
            let middle = (low + high) / 2
            if map[middle] <= scaled { low = middle } else { high = middle }
        }
        // Equal values (the map repeats none, but keep argmin's first-index rule) resolve to `low`.
        return abs(scaled - map[high]) < abs(scaled - map[low]) ? high : low
    }
}
