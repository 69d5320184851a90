import Foundation
import Testing
@testable import Tensors

/// Forward values against numbers from the ops' defining formulas (PyTorch's definitions, worked out
/// independently of this code) and against naive loops.
@Suite struct OpValueTests {
    func close(_ a: [Float], _ b: [Float], _ tol: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        for (x, y) in zip(a, b) where abs(x - y) > tol * max(1, abs(y)) {
            Issue.record("\(a) differs from \(b)", sourceLocation: sourceLocation)
            return
        }
    }

    @Test func activationsAtKnownPoints() {
        let x = Tensor(shape: [3], data: [-1, 0, 1])
        close(x.gelu().scalars, [-0.15865526, 0, 0.8413447])
        close(x.gelu(approximation: .tanh).scalars, [-0.15880801, 0, 0.8411920])
        close(x.silu().scalars, [-0.26894142, 0, 0.7310586])
        close(x.sigmoid().scalars, [0.26894142, 0.5, 0.7310586])
        close(x.tanh().scalars, [-0.7615942, 0, 0.7615942])
    }

    @Test func softmaxAndLogSoftmax() throws {
        let x = Tensor(shape: [2, 3], data: [1, 2, 3, 1000, 1000, 1000])
        close(try x.softmax().scalars, [0.09003057, 0.24472847, 0.66524096, 1 / 3, 1 / 3, 1 / 3])
        close(try x.logSoftmax().scalars, [-2.4076059, -1.4076059, -0.4076059, -1.0986123, -1.0986123, -1.0986123])
    }

    @Test func normsMatchTheirDefinitions() throws {
        let x = Tensor(shape: [1, 4], data: [1, 2, 3, 4])
        let s = 1 / (1.25 + 1e-5 as Float).squareRoot()
        close(try x.layerNorm(weight: nil, bias: nil, eps: 1e-5).scalars, [-1.5 * s, -0.5 * s, 0.5 * s, 1.5 * s])
        let w = Tensor(shape: [4], data: [1, 2, 1, 2]), b = Tensor(shape: [4], data: [0, 0, 1, 1])
        close(try x.layerNorm(weight: w, bias: b, eps: 1e-5).scalars, [-1.5 * s, -1 * s, 0.5 * s + 1, 3 * s + 1])
        let r = 1 / (7.5 + 1e-6 as Float).squareRoot()
        close(try x.rmsNorm(weight: w, eps: 1e-6).scalars, [r, 4 * r, 3 * r, 8 * r])
    }

    @Test func crossEntropySkipsIgnoredRows() throws {
        let logits = Tensor(shape: [3, 3], data: [1, 2, 3, 5, 5, 5, 0, 0, 0])
        let loss = try logits.crossEntropy(targets: [2, -100, 0])
        close([loss.item], [(0.40760596 + 1.0986123) / 2])
        #expect(try logits.crossEntropy(targets: [-100, -100, -100]).item.isNaN)
    }

    @Test func matmulMatchesANaiveLoop() throws {
        var g = RandomGenerator(seed: 3)
        let a = Tensor.normal([2, 3, 4], generator: &g), b = Tensor.normal([2, 4, 5], generator: &g)
        let c = try a.matmul(b)
        var expected = [Float]()
        let pa = a.scalars, pb = b.scalars
        for n in 0 ..< 2 { for i in 0 ..< 3 { for j in 0 ..< 5 {
            var s: Float = 0
            for k in 0 ..< 4 { s += pa[n * 12 + i * 4 + k] * pb[n * 20 + k * 5 + j] }
            expected.append(s)
        } } }
        #expect(c.shape == [2, 3, 5])
        close(c.scalars, expected)
        let viaLinear = try a.linear(weight: b.slice(0 ..< 1).reshaped([4, 5]), layout: .inOut)
        close(try viaLinear.slice(0 ..< 1).scalars, Array(expected.prefix(15)))
    }

    @Test func attentionMasksAsTransformersDoes() throws {
        // Zero queries give equal scores, so each row averages the values it may see.
        let q = Tensor.zeros([1, 1, 3, 2])
        let v = Tensor(shape: [1, 1, 3, 2], data: [1, 10, 2, 20, 3, 30])
        let causal = try Tensor.scaledDotProductAttention(query: q, key: v, value: v, mask: AttentionMask(causal: true))
        close(causal.scalars, [1, 10, 1.5, 15, 2, 20])
        let padded = try Tensor.scaledDotProductAttention(query: q, key: v, value: v,
                                                          mask: AttentionMask(causal: false, keyPadding: [[true, false, true]]))
        close(padded.scalars, [2, 20, 2, 20, 2, 20])
        let allMasked = try Tensor.scaledDotProductAttention(query: q, key: v, value: v,
                                                             mask: AttentionMask(causal: false, keyPadding: [[false, false, false]]))
        close(allMasked.scalars, [2, 20, 2, 20, 2, 20])
    }

    @Test(arguments: [(150, 150), (70, 134)])
    func causalAttentionOverSeveralRowBlocksMatchesTheDefinition(t: Int, s: Int) throws {
        // Rows beyond the first block see more keys; each block multiplies only those.
        let (h, d) = (2, 8)
        var generator = RandomGenerator(seed: 5)
        let q = Tensor.normal([1, h, t, d], generator: &generator), kv = Tensor.normal([1, 1, s, d], generator: &generator)
        let out = try Tensor.scaledDotProductAttention(query: q, key: kv, value: kv, mask: AttentionMask(causal: true)).scalars
        let (qs, ks) = (q.scalars, kv.scalars)
        var expected = [Float]()
        for head in 0 ..< h {
            for i in 0 ..< t {
                let visible = i + s - t + 1
                let scores = (0 ..< visible).map { j in
                    (0 ..< d).reduce(0.0) { $0 + Double(qs[(head * t + i) * d + $1]) * Double(ks[j * d + $1]) } / Double(d).squareRoot()
                }
                let weights = scores.map { Foundation.exp($0 - scores.max()!) }
                let total = weights.reduce(0, +)
                for c in 0 ..< d {
                    expected.append(Float((0 ..< visible).reduce(0.0) { $0 + weights[$1] / total * Double(ks[$1 * d + c]) }))
                }
            }
        }
        close(out, expected, 1e-4)
    }

    @Test(arguments: [(70, true, false), (5, false, true), (6, true, true)])
    func packedAttentionMatchesSplittingAndPermutingHeads(t: Int, causal: Bool, padded: Bool) throws {
        let (b, heads, d) = (2, 2, 4)
        let width = heads * d
        var generator = RandomGenerator(seed: 11)
        let qkv = Tensor.normal([b, t, 3 * width], generator: &generator)
        let weights = Tensor.normal([b, t, width], generator: &generator)
        let mask = AttentionMask(causal: causal, keyPadding: padded ? [Array(repeating: true, count: t), (0 ..< t).map { $0 > 1 }] : nil)
        func run(_ attend: (Tensor) throws -> Tensor) throws -> (values: [Float], gradient: [Float]) {
            let input = qkv.copy()
            input.requiresGrad = true
            let out = try attend(input)
            try (out * weights).sum().backward()
            return (out.scalars, input.grad!.scalars)
        }
        let packed = try run { try Tensor.scaledDotProductAttention(packedQKV: $0, heads: heads, mask: mask) }
        let split = try run { input in
            let parts = try input.split(sizes: [width, width, width], axis: -1).map {
                try $0.reshaped([b, t, heads, d]).permuted([0, 2, 1, 3])
            }
            let attended = try Tensor.scaledDotProductAttention(query: parts[0], key: parts[1], value: parts[2], mask: mask)
            return try attended.permuted([0, 2, 1, 3]).reshaped([b, t, width])
        }
        close(packed.values, split.values)
        close(packed.gradient, split.gradient)
    }

    @Test func rotaryRotatesPairsByPositionTimesFrequency() throws {
        let x = Tensor(shape: [1, 3, 4], data: [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4])
        let table = try RotaryTable(dimension: 4, theta: 100, positions: 0 ..< 3)
        let y = try x.applyingRotary(table).scalars
        var expected = [Float]()
        for p in 0 ..< 3 {
            let angles = [Double(p), Double(p) / 10]  // inv_freq = 1 / 100^(0/4), 1 / 100^(2/4)
            let (c, s) = (angles.map { Float(cos($0)) }, angles.map { Float(sin($0)) })
            expected += [1 * c[0] - 3 * s[0], 2 * c[1] - 4 * s[1], 3 * c[0] + 1 * s[0], 4 * c[1] + 2 * s[1]]
        }
        close(y, expected)
    }

    @Test func partialRotaryRotatesTheLeadingComponentsAndScalesCosAndSin() throws {
        // Two frequencies rotate components 0-3 of a 6-wide head; 4 and 5 pass through.
        let x = Tensor(shape: [2, 6], data: [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6])
        let table = try RotaryTable(inverseFrequencies: [1, 0.5], attentionScaling: 2, positions: 3 ..< 5)
        let y = try x.applyingRotary(table).scalars
        var expected = [Float]()
        for p in 3 ..< 5 {
            let angles = [Float(p), Float(p) * 0.5]
            let (c, s) = (angles.map { 2 * Float(cos(Double($0))) }, angles.map { 2 * Float(sin(Double($0))) })
            expected += [1 * c[0] - 3 * s[0], 2 * c[1] - 4 * s[1], 3 * c[0] + 1 * s[0], 4 * c[1] + 2 * s[1], 5, 6]
        }
        close(y, expected)
        #expect(throws: TensorError.self) { try Tensor.zeros([2, 3]).applyingRotary(table) }
    }

    @Test(arguments: [(6, 6, 1), (6, 6, 3), (4, 9, 2), (6, 6, 10)])
    func slidingWindowAttentionSeesTheLastWindowKeysIncludingItself(t: Int, s: Int, window: Int) throws {
        let d = 4
        var generator = RandomGenerator(seed: 8)
        let q = Tensor.normal([1, 1, t, d], generator: &generator), kv = Tensor.normal([1, 1, s, d], generator: &generator)
        let padding = [(0 ..< s).map { $0 != s - 2 }]
        let out = try Tensor.scaledDotProductAttention(query: q, key: kv, value: kv,
                                                       mask: AttentionMask(causal: true, keyPadding: padding, window: window)).scalars
        let (qs, ks) = (q.scalars, kv.scalars)
        var expected = [Float]()
        for i in 0 ..< t {
            let position = i + s - t
            let keys = (0 ... position).filter { $0 > position - window && padding[0][$0] }
            let scores = keys.map { j in (0 ..< d).reduce(0.0) { $0 + Double(qs[i * d + $1]) * Double(ks[j * d + $1]) } / 2 }
            let weights = scores.map { Foundation.exp($0 - scores.max()!) }, total = weights.reduce(0, +)
            for c in 0 ..< d {
                expected.append(keys.isEmpty ? Float((0 ..< s).reduce(0.0) { $0 + Double(ks[$1 * d + c]) } / Double(s))
                    : Float(zip(keys, weights).reduce(0.0) { $0 + $1.1 / total * Double(ks[$1.0 * d + c]) }))
            }
        }
        close(out, expected, 1e-4)
        #expect(throws: TensorError.self) {
            try Tensor.scaledDotProductAttention(query: q, key: kv, value: kv, mask: AttentionMask(causal: false, window: 2))
        }
    }

    @Test func kroneckerBlocks() throws {
        let a = Tensor(shape: [1, 2], data: [1, 2]), b = Tensor(shape: [2, 2], data: [0, 1, 1, 0])
        let k = try Tensor.kron(a, b)
        #expect(k.shape == [2, 4])
        #expect(k.scalars == [0, 1, 0, 2, 1, 0, 2, 0])
    }

    @Test func topKPicksTheLargestAndSoftmaxesThem() throws {
        let x = Tensor(shape: [1, 4], data: [0.5, 3, -1, 1])
        let (weights, indices) = try x.topKSoftmax(k: 2)
        #expect(indices == [1, 3])
        close(weights.scalars, [0.8807971, 0.11920292])
    }

    @Test func topKKeepsTheLowerIndexOnTiesAndOrdersLargestFirst() throws {
        let x = Tensor(shape: [2, 5], data: [1, 4, 4, -2, 4, 0, -1, 7, 7, 3])
        #expect(try x.topKSoftmax(k: 3).indices == [1, 2, 4, 2, 3, 4])
        #expect(try x.topKSoftmax(k: 5).indices == [1, 2, 4, 0, 3, 2, 3, 4, 0, 1])
    }

    @Test func doraOutputAddsTheMagnitudeScaledUpdate() throws {
        let result = Tensor(shape: [2, 2], data: [1, 2, 3, 4]), base = Tensor(shape: [2, 2], data: [1, 1, 2, 2])
        let lora = Tensor(shape: [2, 2], data: [0, 1, -1, 2]), s = Tensor(shape: [2], data: [2, 0.5])
        // result + (s − 1) · base + 3 · s · lora
        let y = try Tensor.doraOutput(result: result, base: base, lora: lora, s: s, scaling: 3)
        close(y.scalars, [2, 3, -1, 6])
        let shared = try Tensor.doraOutput(result: result, base: result, lora: lora, s: s, scaling: 3)
        close(shared.scalars, [2, 2.5, 0, 5])
        // Without a separate update: s ⊙ result, and result + (s − 1) · base.
        close(try Tensor.doraOutput(result: result, base: result, lora: nil, s: s, scaling: 3).scalars, [2, 1, 6, 2])
        close(try Tensor.doraOutput(result: result, base: base, lora: nil, s: s, scaling: 3).scalars, [2, 1.5, 5, 3])
    }

    /// The fused DoRA layer gives the composed form's output and gradients,
    /// `s ⊙ (x Wᵀ + scaling · h Bᵀ) + bias` by `linear`, `matmul` and `doraOutput` (PEFT's
    /// `result + (s − 1) ⊙ (result − bias) + scaling · s ⊙ lora`), on both layouts, with and without a
    /// bias; with enough rows that the sums of s's gradient are split over the cores, and 37 outputs,
    /// which leave a partial block of lanes.
    @Test(arguments: [WeightLayout.outIn, .inOut], [false, true])
    func doraLinearEqualsTheComposedForm(_ layout: WeightLayout, _ withBias: Bool) throws {
        var generator = RandomGenerator(seed: 91)
        let (rows, inFeatures, out, r) = (1000, 21, 37, 3)
        let inputs = [[rows, inFeatures], [rows, r], [out, r], [out], [out]].map { shape in
            let t = Tensor.normal(shape, generator: &generator)
            t.requiresGrad = true
            return t
        }
        inputs[3].withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] = abs($0[i]) + 0.5 } }
        let weight = Tensor.normal(layout == .outIn ? [out, inFeatures] : [inFeatures, out], generator: &generator)
        let outputGradient = Tensor.normal([rows, out], generator: &generator)
        func gradients(_ f: () throws -> Tensor) throws -> [[Float]] {
            for input in inputs { input.grad = nil }
            let y = try f()
            try (y * outputGradient).sum().backward()
            return [y.scalars] + inputs.map { $0.grad?.scalars ?? [] }
        }
        let (x, h, b, s, bias) = (inputs[0], inputs[1], inputs[2], inputs[3], withBias ? inputs[4] : nil)
        let fused = try gradients { try Tensor.doraLinear(x, weight: weight, bias: bias, layout: layout, h: h, b: b, s: s, scaling: 1.5) }
        let composed = try gradients {
            let lora = try h.matmul(b, transposeOther: true)
            return try Tensor.doraOutput(result: x.linear(weight: weight, bias: bias, layout: layout), base: x.linear(weight: weight, layout: layout),
                                         lora: lora, s: s, scaling: 1.5)
        }
        for (f, c) in zip(fused, composed) { close(f, c, 1e-3) }
        #expect(throws: TensorError.self) { try Tensor.doraLinear(x, weight: weight, layout: layout, h: b, b: h, s: s, scaling: 1) }
    }

    /// The fused DoRA weight norm equals the composed `‖W + scaling · B A‖` per output row, for
    /// both weight layouts and a row count that is not a multiple of the 16-row blocks.
    @Test func doraWeightNormEqualsTheComposedNorm() throws {
        var generator = RandomGenerator(seed: 90)
        let (out, inFeatures, r) = (37, 21, 3)
        let w = Tensor.normal([out, inFeatures], generator: &generator), a = Tensor.normal([r, inFeatures], generator: &generator)
        let b = Tensor.normal([out, r], generator: &generator)
        let composed = try (w + b.matmul(a).scaled(by: 1.5)).norm(axis: 1)
        close(try Tensor.doraWeightNorm(weight: w, layout: .outIn, a: a, b: b, scaling: 1.5).scalars, composed.scalars)
        close(try Tensor.doraWeightNorm(weight: w.transposed(), layout: .inOut, a: a, b: b, scaling: 1.5).scalars, composed.scalars)
        #expect(throws: TensorError.self) { try Tensor.doraWeightNorm(weight: w, layout: .outIn, a: b, b: a, scaling: 1) }
    }

    @Test func topKMixIsTheSoftmaxWeightedSumOfThePickedBankRows() throws {
        let logits = Tensor(shape: [2, 4], data: [0.5, 3, -1, 1, 2, 2, 0, 5])
        let bank = Tensor(shape: [4, 3], data: [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1])
        let mixed = try logits.topKMix(bank: bank, k: 2)
        #expect(mixed.shape == [2, 3])
        // Row 0 picks bank rows 1 (weight 0.8808) and 3 (0.1192); row 1 picks 3 and 0 (ties to the lower index).
        close(mixed.scalars, [0.11920292, 1, 0.11920292, 1, 0.95257413, 0.95257413])
    }

    @Test func broadcastingShapes() throws {
        let a = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        #expect(try (a + Tensor(shape: [3], data: [10, 20, 30])).scalars == [11, 22, 33, 14, 25, 36])
        #expect(try (a * Tensor(shape: [2, 1], data: [2, 3])).scalars == [2, 4, 6, 12, 15, 18])
        #expect(try (Tensor(shape: [2, 1], data: [1, 2]) - Tensor(shape: [1, 3], data: [1, 2, 3])).scalars == [0, -1, -2, 1, 0, -1])
    }

    @Test func dropoutIsSeededAndInverted() throws {
        let x = Tensor.ones([10_000])
        var g1 = RandomGenerator(seed: 5), g2 = RandomGenerator(seed: 5)
        let a = try x.dropout(probability: 0.25, generator: &g1), b = try x.dropout(probability: 0.25, generator: &g2)
        #expect(a.scalars == b.scalars)
        let zeros = a.scalars.filter { $0 == 0 }.count
        #expect(abs(Double(zeros) / 10_000 - 0.25) < 0.02)
        #expect(a.scalars.allSatisfy { $0 == 0 || abs($0 - 4 / 3) < 1e-6 })
        #expect(try x.dropout(probability: 0, generator: &g1) === x)
        #expect(throws: TensorError.self) { try x.dropout(probability: 1, generator: &g1) }
    }
}
