import Tensors
import Testing
@testable import Tuners

/// The tensor-level merges of PEFT's `merge_utils` on hand-worked examples, and DARE's statistics:
/// the kept fraction, the `1 / density` rescale and an expectation equal to the linear merge.
@Suite struct TaskMergingTests {
    static let first = Tensor(shape: [2, 2], data: [1, -2, 3, 0.5])
    static let second = Tensor(shape: [2, 2], data: [-1, 1.5, 1, -4])

    @Test func taskArithmeticAndMagnitudePrune() throws {
        #expect(try TaskMerging.taskArithmetic([Self.first, Self.second], weights: [2, -1]).scalars == [3, -5.5, 5, 5])
        // density 0.5 keeps int(0.5 · 4) = 2 entries of each: [0, -2, 3, 0] and [0, 1.5, 0, -4].
        #expect(try TaskMerging.magnitudePrune([Self.first, Self.second], weights: [1, 0.5], density: 0.5).scalars == [0, -1.25, 3, -2])
        #expect(try TaskMerging.magnitudePrune([Self.first], weights: [1], density: 1).scalars == Self.first.scalars)
        #expect(throws: TunerError.self) { try TaskMerging.magnitudePrune([Self.first], weights: [1], density: -0.1) }
        #expect(throws: TunerError.self) { try TaskMerging.taskArithmetic([Self.first, Tensor.zeros([4])], weights: [1, 1]) }
    }

    @Test func tiesElectsTheSignAndAveragesTheAgreeingEntries() throws {
        // total: sums 0 (+), -0.5 (-), 4 (+), -3.5 (-); the weighted agreeing entries are averaged.
        #expect(try TaskMerging.ties([Self.first, Self.second], weights: [1, 2], density: 1).scalars == [1, -2, 2.5, -8])
        // frequency: sign sums 0, 0, 2, 0, all +.
        #expect(try TaskMerging.ties([Self.first, Self.second], weights: [1, 1], density: 1, majoritySignMethod: .frequency).scalars == [1, 1.5, 2, 0.5])
    }

    /// `count` values of `value`.
    static func constant(_ value: Float, count: Int) -> Tensor { Tensor(shape: [count], data: Array(repeating: value, count: count)) }

    @Test func dareKeepsTheDensityFractionRescaledByItsInverse() throws {
        let count = 20_000, density = 0.3
        var generator = RandomGenerator(seed: 7)
        let pruned = try TaskMerging.dareLinear([Self.constant(2, count: count)], weights: [1], density: density, generator: &generator).scalars
        let kept = pruned.filter { $0 != 0 }
        let expectedKept = density * Double(count), sigma = (Double(count) * density * (1 - density)).squareRoot()
        #expect(abs(Double(kept.count) - expectedKept) < 5 * sigma)
        #expect(kept.allSatisfy { abs($0 - 2 / Float(density)) < 1e-5 })
    }

    @Test func dareExpectationIsTheLinearMerge() throws {
        let count = 20_000, density = 0.4
        let tensors = [Self.constant(1.5, count: count), Self.constant(-0.5, count: count)], weights: [Float] = [0.7, 0.4]
        let linear = try TaskMerging.taskArithmetic(tensors, weights: weights).scalars[0]
        var generator = RandomGenerator(seed: 11)
        let dare = try TaskMerging.dareLinear(tensors, weights: weights, density: density, generator: &generator).scalars
        let mean = dare.reduce(0, +) / Float(count)
        // One element's variance: Σ (wᵢ xᵢ)² (1 − d) / d; the mean of `count` of them is within 5 σ.
        let variance = weights.enumerated().map { i, w in (w * (i == 0 ? 1.5 : -0.5)) * (w * (i == 0 ? 1.5 : -0.5)) }.reduce(0, +) * Float((1 - density) / density)
        #expect(abs(mean - linear) < 5 * (variance / Float(count)).squareRoot())
    }

    @Test func dareIsSeededAndDareTiesElectsSigns() throws {
        let tensors = [Tensor(shape: [64], data: (0 ..< 64).map { Float($0) - 30 }), Tensor(shape: [64], data: (0 ..< 64).map { 20 - Float($0) })]
        var a = RandomGenerator(seed: 3), b = RandomGenerator(seed: 3), c = RandomGenerator(seed: 4)
        let first = try TaskMerging.dareTies(tensors, weights: [1, 1], density: 0.5, generator: &a).scalars
        #expect(first == (try TaskMerging.dareTies(tensors, weights: [1, 1], density: 0.5, generator: &b).scalars))
        #expect(first != (try TaskMerging.dareTies(tensors, weights: [1, 1], density: 0.5, generator: &c).scalars))
        // Each entry is 0, one task's entry doubled (kept alone or with the elected sign), or the mean of both doubled.
        for i in 0 ..< 64 {
            let x = 2 * tensors[0].scalars[i], y = 2 * tensors[1].scalars[i]
            #expect([0, x, y, (x + y) / 2].contains { abs($0 - first[i]) < 1e-4 }, "\(i): \(first[i])")
        }
    }
}
