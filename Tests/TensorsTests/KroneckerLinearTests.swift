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

    /// The cost rule picks the factored form for LLaMA 8×512's projections and the materialised one
    /// when a factor is a single row and column (a prime width).
    @Test func costRule() {
        #expect(KroneckerCost(rows: 2048, p: 16, m: 16, q: 32, n: 32).factoredIsCheaper)
        #expect(!KroneckerCost(rows: 2048, p: 1, m: 1, q: 509, n: 509).factoredIsCheaper)
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
