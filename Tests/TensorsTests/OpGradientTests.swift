import Testing
@testable import Tensors

/// Every differentiable op's tape gradient against central finite differences.
@Suite struct OpGradientTests {
    typealias P = GradientCheck

    /// Expects the tape's gradients of `f` to agree with central differences for every input.
    func check(_ inputs: [Tensor], step: Float = 1e-2, sourceLocation: SourceLocation = #_sourceLocation,
               _ f: ([Tensor]) throws -> Tensor) throws {
        let mismatches = try GradientCheck.mismatches(inputs, step: step, f)
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))", sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        ([2, 3, 4], [2, 3, 4]), ([2, 3, 4], [4]), ([2, 3, 4], [3, 1]), ([4], [2, 3, 4]),
        ([2, 1, 4], [1, 3, 1]), ([2, 3], [1]),
    ])
    func broadcastingArithmetic(_ a: [Int], _ b: [Int]) throws {
        let x = P.parameter(a, seed: 1), y = P.parameter(b, seed: 2)
        try check([x, y]) { try $0[0] + $0[1] }
        try check([x, y]) { try $0[0] - $0[1] }
        try check([x, y]) { try $0[0] * $0[1] }
        let positive = P.parameter(b, seed: 3)
        positive.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] = abs($0[i]) + 1 } }
        try check([x, positive]) { try $0[0] / $0[1] }
    }

    @Test func scalarOps() throws {
        let x = P.parameter([3, 5], seed: 4)
        try check([x]) { $0[0].scaled(by: -2.5) }
        try check([x]) { $0[0].adding(scalar: 3) }
        try check([x]) { -$0[0] }
    }

    @Test func reductions() throws {
        let x = P.parameter([2, 3, 4], seed: 5)
        try check([x]) { $0[0].sum() }
        try check([x]) { $0[0].mean() }
        for axis in [0, 1, 2, -1] {
            try check([x]) { try $0[0].sum(axis: axis) }
            try check([x]) { try $0[0].mean(axis: axis, keepDims: true) }
            try check([x]) { try $0[0].norm(axis: axis) }
        }
    }

    @Test func shapeOps() throws {
        let x = P.parameter([2, 3, 4], seed: 6)
        try check([x]) { try $0[0].reshaped([4, -1]) }
        try check([x]) { try $0[0].slice(1 ..< 2) }
        try check([x]) { try $0[0].transposed(0, 2) }
        try check([x]) { try $0[0].transposed() }
        try check([x]) { try $0[0].permuted([1, 2, 0]) }
        let y = P.parameter([2, 5, 4], seed: 7)
        try check([x, y]) { try Tensor.concat([$0[0], $0[1]], axis: 1) }
        try check([x]) { try $0[0].split(sizes: [1, 3], axis: -1)[1] }
        try check([x]) { try $0[0].split(sizes: [2, 0, 1], axis: 1)[0] }
    }

    @Test func indexSelect() throws {
        let table = P.parameter([6, 3], seed: 8)
        try check([table]) { try $0[0].indexSelect(rows: [5, 0, 2, 2, 5, 1], shape: [2, 3]) }
    }

    @Test(arguments: [
        ([3, 4], [4, 5], false, false), ([3, 4], [5, 4], false, true), ([4, 3], [4, 5], true, false),
        ([4, 3], [5, 4], true, true), ([2, 3, 4], [4, 5], false, false), ([2, 3, 4], [2, 4, 5], false, false),
        ([3, 4], [2, 4, 5], false, false), ([2, 4, 3], [5, 4], true, true),
    ])
    func matmul(_ a: [Int], _ b: [Int], _ ta: Bool, _ tb: Bool) throws {
        let x = P.parameter(a, seed: 9), y = P.parameter(b, seed: 10)
        try check([x, y]) { try $0[0].matmul($0[1], transposeSelf: ta, transposeOther: tb) }
    }

    @Test func linearBothLayoutsWithAndWithoutBias() throws {
        let x = P.parameter([2, 3, 4], seed: 11), bias = P.parameter([5], seed: 12)
        let outIn = P.parameter([5, 4], seed: 13), inOut = P.parameter([4, 5], seed: 14)
        try check([x, outIn, bias]) { try $0[0].linear(weight: $0[1], bias: $0[2]) }
        try check([x, inOut, bias]) { try $0[0].linear(weight: $0[1], bias: $0[2], layout: .inOut) }
        try check([x, outIn]) { try $0[0].linear(weight: $0[1]) }
    }

    @Test func norms() throws {
        let x = P.parameter([3, 2, 6], seed: 15), w = P.parameter([6], seed: 16), b = P.parameter([6], seed: 17)
        try check([x, w, b]) { try $0[0].layerNorm(weight: $0[1], bias: $0[2], eps: 1e-5) }
        try check([x]) { try $0[0].layerNorm(weight: nil, bias: nil, eps: 1e-5) }
        try check([x, w]) { try $0[0].rmsNorm(weight: $0[1], eps: 1e-6) }
    }

    @Test func activations() throws {
        let x = P.parameter([4, 5], seed: 18, scale: 2)
        try check([x]) { $0[0].gelu() }
        try check([x]) { $0[0].gelu(approximation: .tanh) }
        try check([x]) { $0[0].silu() }
        try check([x]) { $0[0].tanh() }
        try check([x]) { $0[0].exp() }
        try check([x]) { $0[0].sigmoid() }
        let up = P.parameter([4, 5], seed: 19)
        try check([x, up]) { try Tensor.swiglu(gate: $0[0], up: $0[1]) }
        let positive = P.parameter([4, 5], seed: 20)
        positive.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] = abs($0[i]) + 0.5 } }
        try check([positive]) { $0[0].sqrt() }
    }

    @Test func softmaxes() throws {
        let x = P.parameter([3, 7], seed: 21, scale: 2)
        try check([x]) { try $0[0].softmax() }
        try check([x]) { try $0[0].logSoftmax() }
    }

    @Test func crossEntropyWithIgnoredRows() throws {
        let logits = P.parameter([2, 3, 5], seed: 22, scale: 2)
        try check([logits]) { try $0[0].crossEntropy(targets: [1, -100, 4, 0, 2, -100]) }
    }

    @Test func dropoutWithAFixedMask() throws {
        let x = P.parameter([4, 6], seed: 23)
        try check([x]) { inputs in
            var generator = RandomGenerator(seed: 99)
            return try inputs[0].dropout(probability: 0.3, generator: &generator)
        }
    }

    @Test(arguments: [
        // (B, H, Hkv, T, S, causal, padded)
        (2, 2, 2, 3, 3, true, false), (2, 4, 2, 3, 3, true, true), (1, 2, 1, 2, 5, true, false),
        (2, 2, 2, 4, 4, false, true),
        // Longer than one block of the causal path, with and without a KV-cache offset.
        (1, 2, 1, 130, 130, true, false), (1, 2, 1, 70, 134, true, false),
    ])
    func attention(_ b: Int, _ h: Int, _ hkv: Int, _ t: Int, _ s: Int, _ causal: Bool, _ padded: Bool) throws {
        let d = 4
        let q = P.parameter([b, h, t, d], seed: 24), k = P.parameter([b, hkv, s, d], seed: 25), v = P.parameter([b, hkv, s, d], seed: 26)
        let padding = padded ? (0 ..< b).map { row in (0 ..< s).map { $0 < s - row } } : nil
        let mask = AttentionMask(causal: causal, keyPadding: padding)
        try check([q, k, v]) { try Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], mask: mask) }
    }

    @Test func rotary() throws {
        let x = P.parameter([2, 3, 5, 8], seed: 27)
        let table = try RotaryTable(dimension: 8, theta: 10000, positions: 2 ..< 7)
        try check([x]) { try $0[0].applyingRotary(table) }
    }

    @Test(arguments: [1, 2, 3])
    func slidingWindowAttention(_ window: Int) throws {
        let q = P.parameter([2, 2, 4, 4], seed: 30), k = P.parameter([2, 1, 5, 4], seed: 31), v = P.parameter([2, 1, 5, 4], seed: 32)
        let mask = AttentionMask(causal: true, keyPadding: [Array(repeating: true, count: 5), [true, true, false, true, false]], window: window)
        try check([q, k, v]) { try Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], mask: mask) }
    }

    @Test func partialRotaryWithScaling() throws {
        let x = P.parameter([2, 3, 5, 10], seed: 33)
        let table = try RotaryTable(inverseFrequencies: [1, 0.3, 0.01], attentionScaling: 1.2, positions: 2 ..< 7)
        try check([x]) { try $0[0].applyingRotary(table) }
    }

    @Test func kron() throws {
        let a = P.parameter([2, 3], seed: 28), b = P.parameter([4, 2], seed: 29)
        try check([a, b]) { try Tensor.kron($0[0], $0[1]) }
    }

    @Test func topKSoftmax() throws {
        let logits = P.parameter([3, 6], seed: 30, scale: 3)
        try check([logits], step: 1e-3) { try $0[0].topKSoftmax(k: 2).weights }
    }

    @Test func doraOutput() throws {
        let result = P.parameter([2, 3, 5], seed: 34), base = P.parameter([2, 3, 5], seed: 35)
        let lora = P.parameter([2, 3, 5], seed: 36), s = P.parameter([5], seed: 37)
        try check([result, base, lora, s]) { try Tensor.doraOutput(result: $0[0], base: $0[1], lora: $0[2], s: $0[3], scaling: 1.5) }
        try check([result, lora, s]) { try Tensor.doraOutput(result: $0[0], base: $0[0], lora: $0[1], s: $0[2], scaling: 1.5) }
        // The update already added into the result: `s ⊙ result`, and `result + (s − 1) ⊙ base` apart.
        try check([result, s]) { try Tensor.doraOutput(result: $0[0], base: $0[0], lora: nil, s: $0[1], scaling: 1.5) }
        try check([result, base, s]) { try Tensor.doraOutput(result: $0[0], base: $0[1], lora: nil, s: $0[2], scaling: 1.5) }
    }

    /// The fused DoRA layer's gradients for x, h, B, s and the bias (the weight is frozen), on both
    /// layouts, with and without a bias; s keeps away from zero, which the op does not take.
    @Test(arguments: [WeightLayout.outIn, .inOut])
    func doraLinear(_ layout: WeightLayout) throws {
        let x = P.parameter([2, 3, 4], seed: 40), h = P.parameter([2, 3, 2], seed: 41), b = P.parameter([5, 2], seed: 42)
        let s = P.parameter([5], seed: 43)
        s.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] = abs($0[i]) + 0.5 } }
        var generator = RandomGenerator(seed: 44)
        let weight = Tensor.normal(layout == .outIn ? [5, 4] : [4, 5], generator: &generator)
        try check([x, h, b, s]) { try Tensor.doraLinear($0[0], weight: weight, layout: layout, h: $0[1], b: $0[2], s: $0[3], scaling: 1.5) }
        let bias = P.parameter([5], seed: 45)
        try check([x, h, b, s, bias]) {
            try Tensor.doraLinear($0[0], weight: weight, bias: $0[4], layout: layout, h: $0[1], b: $0[2], s: $0[3], scaling: 1.5)
        }
    }

    @Test func topKMix() throws {
        let logits = P.parameter([2, 3, 6], seed: 31, scale: 3), bank = P.parameter([6, 5], seed: 32)
        try check([logits, bank], step: 1e-3) { try $0[0].topKMix(bank: $0[1], k: 3) }
    }
}
