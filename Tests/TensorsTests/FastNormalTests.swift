import Foundation
import Testing
@testable import Tensors

struct FastNormalTests {
    @Test func theGeneratorKeepsXoshiroStreamAndItsSavedStateFormat() throws {
        var generator = RandomGenerator(seed: 42)
        // xoshiro256** seeded by SplitMix64 (the reference algorithm, computed independently).
        #expect([generator.next(), generator.next(), generator.next()] == [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1])
        let saved = try JSONEncoder().encode(generator)
        let object = try #require(try JSONSerialization.jsonObject(with: saved) as? [String: Any])
        #expect((object["state"] as? [Any])?.count == 4)
        var restored = try JSONDecoder().decode(RandomGenerator.self, from: saved)
        #expect(restored == generator && restored.next() == generator.next())
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RandomGenerator.self, from: Data(#"{"state": [1, 2]}"#.utf8)) }
    }

    @Test func polynomialLogSineAndCosineMatchTheLibrary() {
        var generator = RandomGenerator(seed: 3)
        for _ in 0 ..< 200 {
            let x = SIMD8<Float>((0 ..< 8).map { _ in Float(generator.next() >> 40 + 1) / 16_777_216 })
            let angle = SIMD8<Float>((0 ..< 8).map { _ in (generator.nextUnitFloat() - 0.5) * Float.pi / 2 })
            let logs = FastNormal.log(x), (sines, cosines) = FastNormal.sinCos(angle)
            for lane in 0 ..< 8 {
                #expect(abs(Double(logs[lane]) - Foundation.log(Double(x[lane]))) <= 2e-7 * max(1, abs(Foundation.log(Double(x[lane])))))
                #expect(abs(Double(sines[lane]) - Foundation.sin(Double(angle[lane]))) <= 2e-7)
                #expect(abs(Double(cosines[lane]) - Foundation.cos(Double(angle[lane]))) <= 2e-7)
            }
        }
    }

    @Test func samplesAreNormalUseBothBoxMullerOutputsAndDependOnlyOnTheSeed() {
        let count = 2 * FastNormal.chunkLength + 37
        let values = FastNormal.tensor([count], std: 0.5, seed: 9).scalars.map(Double.init)
        #expect(values == FastNormal.tensor([count], std: 0.5, seed: 9).scalars.map(Double.init))
        #expect(values != FastNormal.tensor([count], std: 0.5, seed: 10).scalars.map(Double.init))
        // A chunk's values do not depend on how many chunks follow (so not on the thread split either).
        #expect(Array(values.prefix(FastNormal.chunkLength + 5)) == FastNormal.tensor([FastNormal.chunkLength + 5], std: 0.5, seed: 9).scalars.map(Double.init))
        let n = Double(count)
        let mean: Double = values.reduce(0, +) / n
        let variance: Double = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n
        let fourth: Double = values.map { pow($0 - mean, 4) }.reduce(0, +) / n
        #expect(abs(mean) < 0.005 && abs(variance.squareRoot() - 0.5) < 0.005 && abs(fourth / (variance * variance) - 3) < 0.05)
        // The fraction within one standard deviation (0.6827 for a normal), and the first and second
        // output of each pair (lanes 0-7 and 8-15 of each 16) both normal and uncorrelated.
        let withinOne = Double(values.filter { abs($0) < 0.5 }.count) / n
        #expect(abs(withinOne - 0.6827) < 0.005)
        let firsts: [Double] = stride(from: 0, to: count - 16, by: 16).flatMap { values[$0 ..< $0 + 8] }
        let seconds: [Double] = stride(from: 0, to: count - 16, by: 16).flatMap { values[$0 + 8 ..< $0 + 16] }
        let products: [Double] = zip(firsts, seconds).map { $0 * $1 }
        let correlation: Double = products.reduce(0, +) / Double(firsts.count) / variance
        #expect(abs(correlation) < 0.01)
        let secondSquares: Double = seconds.map { $0 * $0 }.reduce(0, +) / Double(seconds.count)
        #expect(abs(secondSquares - 0.25) < 0.005)
    }
}
