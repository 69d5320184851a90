@testable import Tensors
import Testing

/// NF4 rules the fixture cannot show (partial blocks, ties, zero blocks), double quantisation, and
/// the 16-bit formats' rounding.
@Suite struct QuantizationTests {
    /// bitsandbytes' rule written out: `argmin |s - code|` over all 16 codes, first index on a tie.
    static func argminCode(_ s: Float) -> Int {
        var best = 0
        for j in 1 ..< 16 where abs(s - NF4Tensor.code[j]) < abs(s - NF4Tensor.code[best]) { best = j }
        return best
    }

    @Test func nearestCodeIsTheFirstArgmin() {
        var generator = RandomGenerator(seed: 3)
        var probes: [Float] = (0 ..< 20000).map { _ in 2 * generator.nextUnitFloat() - 1 }
        // Midpoints between neighbouring codes and the floats next to them: where ties happen.
        for j in 0 ..< 15 {
            let middle = (NF4Tensor.code[j] + NF4Tensor.code[j + 1]) / 2
            probes += [middle, middle.nextUp, middle.nextDown]
        }
        probes += NF4Tensor.code + [-1, 1, 0]
        for s in probes { #expect(NF4Tensor.nearestCode(s) == Self.argminCode(s), "at \(s)") }
    }

    @Test func blocksSpanRowsAndTheLastBlockHasItsOwnAbsmax() {
        var generator = RandomGenerator(seed: 5)
        let values = Tensor.normal([3, 50], generator: &generator)   // 150 values: blocks of 64, 64, 22
        let quantized = NF4Tensor(quantizing: values)
        let flat = values.scalars
        #expect(quantized.blockAbsmax.count == 3)
        for block in 0 ..< 3 {
            let slice = flat[(block * 64) ..< min(150, block * 64 + 64)]
            #expect(quantized.blockAbsmax[block] == slice.map(abs).max()!)
        }
        let dequantized = quantized.dequantized().scalars
        for i in flat.indices {
            let absmax = quantized.blockAbsmax[i / 64]
            let code = Self.argminCode(min(1, max(-1, flat[i] * (1 / absmax))))
            #expect(quantized.code(at: i) == code)
            #expect(dequantized[i] == NF4Tensor.code[code] * absmax)
        }
    }

    @Test func anAllZeroBlockStaysZero() {
        let quantized = NF4Tensor(quantizing: Tensor.zeros([2, 40]))
        #expect(quantized.codes.allSatisfy { $0 == 7 })
        #expect(quantized.dequantized().scalars.allSatisfy { $0 == 0 })
    }

    @Test func doubleQuantizationKeepsTheAbsmaxClose() {
        var generator = RandomGenerator(seed: 9)
        let values = Tensor.normal([64, 640], generator: &generator)
        let plain = NF4Tensor(quantizing: values), double = NF4Tensor(quantizing: values, doubleQuantization: true)
        #expect(plain.codes == double.codes)
        #expect(DoubleQuantizedAbsmax.dynamicMap.count == 256 && DoubleQuantizedAbsmax.dynamicMap == DoubleQuantizedAbsmax.dynamicMap.sorted())
        for (exact, compressed) in zip(plain.blockAbsmax, double.blockAbsmax) {
            #expect(abs(exact - compressed) <= 0.01 * exact)
        }
        #expect(double.byteCount < plain.byteCount)
    }

    @Test func halfPrecisionRoundsToNearestEven() {
        // 1 + 2^-8 lies halfway between bfloat16 neighbours 1 and 1 + 2^-7: ties to the even one, 1.
        #expect(HalfPrecision.bf16(from: 1 + 0x1p-8) == 0x3F80)
        #expect(HalfPrecision.bf16(from: 1 + 0x1p-8 + 0x1p-20) == 0x3F81)
        #expect(HalfPrecision.f16(from: 1 + 0x1p-11) == 0x3C00)
        #expect(HalfPrecision.f16(from: 1 + 0x1p-10) == 0x3C01)
        #expect(HalfPrecision.f16(from: 70000) == 0x7C00)
        #expect(HalfPrecision.f16(from: 0x1p-24) == 0x0001)
        var generator = RandomGenerator(seed: 1)
        for _ in 0 ..< 2000 {
            let x = Tensor.normal([1], std: 10, generator: &generator).item
            let b = HalfPrecision.floatFromBF16(HalfPrecision.bf16(from: x)), h = HalfPrecision.floatFromF16(HalfPrecision.f16(from: x))
            #expect(abs(b - x) <= abs(x) * 0x1p-8 && abs(h - x) <= abs(x) * 0x1p-11 + 0x1p-25)
        }
    }

    /// A linear layer over a packed weight computes exactly what it computes over the dequantised
    /// float32 weight, forward and backward.
    @Test func frozenLinearEqualsLinearOverTheDequantisedWeight() throws {
        var generator = RandomGenerator(seed: 2)
        let weight = Tensor.normal([24, 40], generator: &generator), bias = Tensor.normal([24], generator: &generator)
        for format in FrozenFormat.allCases {
            let frozen = FrozenWeight(packing: weight, as: format)
            let x1 = Tensor.normal([3, 40], generator: &generator)
            x1.requiresGrad = true
            let x2 = x1.detached()
            x2.requiresGrad = true
            let y1 = try x1.linear(frozen: frozen, bias: bias)
            let y2 = try x2.linear(weight: frozen.dequantized(), bias: bias)
            #expect(y1.scalars == y2.scalars)
            try y1.sum().backward()
            try y2.sum().backward()
            #expect(x1.grad?.scalars == x2.grad?.scalars)
        }
    }
}
