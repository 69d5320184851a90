import Synchronization
import Testing
@testable import Tensors

/// The factored Kronecker product (`addKroneckerLinear`), LoHa's fused ΔW (`hadamardOfProducts`)
/// and RandLoRA's scaled bases (`scaledBasisRows`) against the composed operations they replace.
@Suite struct KroneckerLinearTests {
    typealias P = GradientCheck

    func close(_ a: [Float], _ b: [Float], tolerance: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst <= tolerance, "largest difference \(worst)", sourceLocation: sourceLocation)
    }

    /// Values and every gradient equal `sum + scale · x · kron(w1, w2)ᵀ` built the materialised way,
    /// for factors that are neither square nor of one size.
    @Test func factoredEqualsMaterialised() throws {
        let x = P.parameter([2, 5, 12], seed: 50), w1 = P.parameter([3, 4], seed: 51), w2 = P.parameter([2, 3], seed: 52)
        let base = P.parameter([2, 5, 6], seed: 53), seed = P.parameter([2, 5, 6], seed: 54).detached()
        func run(_ factored: Bool) throws -> (value: [Float], grads: [[Float]]) {
            for t in [x, w1, w2, base] { t.grad = nil }
            var sum = base.scaled(by: 1)
            if factored {
                try Tensor.addKroneckerLinear(x, w1, w2, scale: 0.75, to: &sum)
            } else {
                try Tensor.addLinear(x, weight: Tensor.kron(w1, w2).scaled(by: 0.75), to: &sum)
            }
            try sum.backward(seed: seed)
            return (sum.scalars, try [x, w1, w2, base].map { try #require($0.grad).scalars })
        }
        let (factored, materialised) = (try run(true), try run(false))
        close(factored.value, materialised.value)
        for (a, b) in zip(factored.grads, materialised.grads) { close(a, b) }
    }

    @Test func factoredGradients() throws {
        let x = P.parameter([3, 6], seed: 55), w1 = P.parameter([2, 3], seed: 56), w2 = P.parameter([4, 2], seed: 57)
        let base = P.parameter([3, 8], seed: 58)
        let mismatches = try GradientCheck.mismatches([x, w1, w2, base]) { t in
            var sum = t[3].scaled(by: 1)
            try Tensor.addKroneckerLinear(t[0], t[1], t[2], scale: 1.5, to: &sum)
            return sum
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    @Test func mismatchedShapesAreRefused() throws {
        var sum = Tensor.zeros([2, 6])
        #expect(throws: TensorError.self) { try Tensor.addKroneckerLinear(Tensor.zeros([2, 5]), Tensor.zeros([3, 2]), Tensor.zeros([2, 3]), scale: 1, to: &sum) }
    }

    /// Folding ΔW's values into the base weight and taking the factors' gradients through
    /// `kroneckerFactorGradients` gives the materialised path's values and every gradient.
    @Test func foldedWithFactoredGradientsEqualsMaterialised() throws {
        let x = P.parameter([2, 5, 12], seed: 80), w1 = P.parameter([3, 4], seed: 81), w2 = P.parameter([2, 3], seed: 82)
        let base = P.parameter([6, 12], seed: 83).detached(), seed = P.parameter([2, 5, 6], seed: 84).detached()
        func run(_ folded: Bool) throws -> (value: [Float], grads: [[Float]]) {
            for t in [x, w1, w2] { t.grad = nil }
            let y: Tensor
            if folded {
                let delta = try GradMode.withoutGradients { try Tensor.kron(w1, w2).scaled(by: 0.75) }
                y = try Tensor.kroneckerFactorGradients(of: x.linear(weight: base + delta), input: x, w1, w2, scale: 0.75)
            } else {
                y = try x.linear(weight: base + Tensor.kron(w1, w2).scaled(by: 0.75))
            }
            try y.backward(seed: seed)
            return (y.scalars, try [x, w1, w2].map { try #require($0.grad).scalars })
        }
        let (folded, materialised) = (try run(true), try run(false))
        close(folded.value, materialised.value)
        for (a, b) in zip(folded.grads, materialised.grads) { close(a, b) }
        var mismatched = Tensor.zeros([2, 5, 7])
        #expect(throws: TensorError.self) { mismatched = try Tensor.kroneckerFactorGradients(of: mismatched, input: x, w1, w2, scale: 1) }
    }

    /// The multiply-add count (what small shapes follow) favours folding with factored gradients
    /// for LLaMA 8×512's projections, the factored path without a base to fold into or in a forward
    /// pass alone, and the materialised one when a factor is a single row and column (a prime width).
    @Test func leastWorkRule() {
        func shape(p: Int = 16, m: Int = 16, q: Int = 32, n: Int = 32, folds: Bool = true, records: Bool = true) -> KroneckerShape {
            KroneckerShape(rows: 2048, p: p, m: m, q: q, n: n, foldsIntoBase: folds, recordsGradients: records, inputNeedsGradient: true)
        }
        #expect(shape().leastWork == .foldedWithFactoredGradients)
        #expect(shape(folds: false).leastWork == .factored)
        #expect(shape(records: false).paths == [.factored, .materialised])
        #expect(shape(p: 1, m: 1, q: 509, n: 509).leastWork == .materialised)
    }

    /// The chooser takes the path its timing says is fastest, times each shape once, and leaves
    /// shapes too small to time to the multiply-add count.
    @Test func chooserKeepsTheMeasuredFastestPath() throws {
        let asked = Mutex<[KroneckerShape]>([])
        let chooser = KroneckerPathChooser { shape in
            asked.withLock { $0.append(shape) }
            return shape.n == 32 ? [.factored: 2, .materialised: 1, .foldedWithFactoredGradients: 3] : [.factored: 1, .materialised: 2]
        }
        func shape(rows: Int = 2048, n: Int, folds: Bool = true) -> KroneckerShape {
            KroneckerShape(rows: rows, p: 16, m: 16, q: 32, n: n, foldsIntoBase: folds, recordsGradients: true, inputNeedsGradient: true)
        }
        // The count favours another path here; the timing decides.
        #expect(shape(n: 32).leastWork != .materialised)
        #expect(try chooser.path(for: shape(n: 32)) == .materialised)
        #expect(try chooser.path(for: shape(n: 32)) == .materialised)
        #expect(try chooser.path(for: shape(n: 64)) == .factored)
        #expect(try chooser.path(for: shape(n: 32, folds: false)) == .materialised)
        #expect(asked.withLock { $0.count } == 3)
        // Too small to time: the count decides, and nothing is measured.
        let small = shape(rows: 4, n: 32)
        #expect(small.paths.allSatisfy { small.work($0) < KroneckerPathChooser.measuredWork })
        #expect(try chooser.path(for: small) == small.leastWork)
        #expect(asked.withLock { $0.count } == 3)
    }

    /// The timing runs every path of a shape, forward and backward, counting no product in the
    /// caller's tally.
    @Test func pathTimingRunsEveryPath() throws {
        let shape = KroneckerShape(rows: 8, p: 2, m: 3, q: 4, n: 5, foldsIntoBase: true, recordsGradients: true, inputNeedsGradient: true)
        let tally = try GemmTally.counting {
            let seconds = try KroneckerPathTiming(shape: shape).bestSeconds()
            #expect(Set(seconds.keys) == Set(KroneckerPath.allCases))
            #expect(seconds.values.allSatisfy { $0 > 0 && $0.isFinite })
        }
        #expect(tally.calls == 0)
    }

    @Test func hadamardOfProductsEqualsComposition() throws {
        let a1 = P.parameter([5, 2], seed: 60), b1 = P.parameter([2, 7], seed: 61), a2 = P.parameter([5, 3], seed: 62), b2 = P.parameter([3, 7], seed: 63)
        let fused = try Tensor.hadamardOfProducts(a1, b1, a2, b2, scale: 0.5)
        let composed = try (a1.matmul(b1) * a2.matmul(b2)).scaled(by: 0.5)
        #expect(fused.scalars == composed.scalars)
        let mismatches = try GradientCheck.mismatches([a1, b1, a2, b2]) { t in try Tensor.hadamardOfProducts(t[0], t[1], t[2], t[3], scale: 0.5) }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    @Test func scaledBasisRowsEqualsBroadcastProducts() throws {
        let lambda = P.parameter([3, 2], seed: 70), basis = P.parameter([3, 5], seed: 71).detached(), gamma = P.parameter([2, 5], seed: 72)
        let fused = try Tensor.scaledBasisRows(lambda: lambda, basis: basis, gamma: gamma)
        let composed = try (lambda.reshaped([3, 2, 1]) * basis.reshaped([3, 1, 5]) * gamma.reshaped([1, 2, 5])).reshaped([6, 5])
        #expect(fused.scalars == composed.scalars)
        let mismatches = try GradientCheck.mismatches([lambda, gamma]) { t in try Tensor.scaledBasisRows(lambda: t[0], basis: basis, gamma: t[1]) }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }
}
