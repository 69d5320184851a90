import Testing
@testable import Tensors

/// Storage, views, random initialisation, the tape's rules and error messages.
@Suite struct TensorCoreTests {
    @Test func viewsShareStorageAndCopyOnWrite() throws {
        let a = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let row = try a.slice(1 ..< 2), flat = try a.reshaped([6])
        #expect(row.scalars == [4, 5, 6])
        row.withUnsafeMutableBufferPointer { $0[0] = 40 }
        #expect(row.scalars == [40, 5, 6])
        #expect(a.scalars == [1, 2, 3, 4, 5, 6], "writing a view must not change its parent")
        #expect(flat.scalars == [1, 2, 3, 4, 5, 6])
    }

    /// A product on frozen inputs records nothing on the tape, yet the profile charges it to its own
    /// row, not to the next operation that records.
    @Test func aProfileChargesAnOperationOnFrozenInputsToItsOwnRow() throws {
        var generator = RandomGenerator(seed: 3)
        let x = Tensor.normal([256, 256], generator: &generator), w = Tensor.normal([256, 256], generator: &generator)
        let trained = Tensor.normal([4], generator: &generator)
        trained.requiresGrad = true
        let profile = OpProfile()
        let frozen = try OpProfile.$current.withValue(profile) {
            let y = try x.linear(weight: w)
            _ = trained.scaled(by: 2)
            return y
        }
        #expect(!frozen.requiresGrad)
        let rows = Dictionary(uniqueKeysWithValues: profile.rows.map { ($0.name, $0) })
        #expect(rows["linear"]?.calls == 1, "\(profile.rows.map(\.name))")
        #expect(rows["scale"]?.calls == 1)
    }

    @Test func zeroSizedTensorsWork() throws {
        let empty = Tensor.zeros([0, 4])
        let w = Tensor.zeros([3, 4])
        #expect(try empty.linear(weight: w).shape == [0, 3])
        #expect(try Tensor.concat([empty, Tensor.ones([2, 4])], axis: 0).shape == [2, 4])
        #expect(try Tensor.zeros([5, 0]).matmul(Tensor.zeros([0, 2])).scalars == [Float](repeating: 0, count: 10))
    }

    @Test func randomInitialisationIsSeededAndBounded() {
        var g1 = RandomGenerator(seed: 42), g2 = RandomGenerator(seed: 42)
        let a = Tensor.kaimingUniform([64, 100], fanIn: 100, generator: &g1)
        let b = Tensor.kaimingUniform([64, 100], fanIn: 100, generator: &g2)
        #expect(a.scalars == b.scalars)
        #expect(a.scalars.allSatisfy { abs($0) <= 0.1 }, "kaiming_uniform(a=√5) is bounded by 1/√fan_in")
        #expect(a.scalars.map { abs($0) }.max()! > 0.09)
        let n = Tensor.normal([20_000], mean: 1, std: 2, generator: &g1).scalars.map(Double.init)
        let mean = n.reduce(0, +) / Double(n.count)
        let std = (n.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n.count)).squareRoot()
        #expect(abs(mean - 1) < 0.05 && abs(std - 2) < 0.05)
    }

    @Test func frozenWeightsGetNoGradientAndNoProduct() throws {
        var g = RandomGenerator(seed: 1)
        let x = Tensor.normal([4, 8], generator: &g)
        let frozen = Tensor.normal([8, 8], generator: &g)
        let adapter = Tensor.normal([2, 8], generator: &g)
        adapter.requiresGrad = true
        let hidden = try x.linear(weight: frozen)
        let y = try hidden.linear(weight: adapter)  // only `adapter` is trainable
        let tally = try GemmTally.counting { try y.sum().backward() }
        #expect(tally.calls == 1, "one product for the adapter's weight gradient, none for the frozen path")
        #expect(frozen.grad == nil && x.grad == nil)
        #expect(adapter.grad?.shape == [2, 8])
    }

    @Test func noGradScopeRecordsNothing() throws {
        let w = Tensor.ones([2, 2])
        w.requiresGrad = true
        let y = try GradMode.withoutGradients { try w * w }
        #expect(!y.requiresGrad)
        #expect(throws: TensorError.self) { try y.sum().backward() }
        #expect(GradMode.isEnabled)
    }

    @Test func gradientsAccumulateAcrossUsesAndCalls() throws {
        let w = Tensor(shape: [2], data: [1, 2])
        w.requiresGrad = true
        try (try w * w + w).sum().backward()  // d/dw (w² + w) = 2w + 1
        #expect(w.grad?.scalars == [3, 5])
        try w.sum().backward()
        #expect(w.grad?.scalars == [4, 6])
        w.zeroGrad()
        #expect(w.grad == nil)
    }

    @Test func summingGradientsInPlaceNeverChangesOneAnotherInputHolds() throws {
        // `add` hands the same gradient object to both of its inputs. With d = (a + b) + a, a's two
        // gradients meet while b still holds one of them: summing in place there would make b's
        // gradient 2 and x's 10 instead of 2·2 + 3 = 7.
        let x = Tensor(shape: [3], data: [1, 2, 3], requiresGrad: true)
        let a = x.scaled(by: 2), b = x.scaled(by: 3)
        try (try (a + b) + a).sum().backward()
        #expect(x.grad?.scalars == [7, 7, 7])
    }

    @Test func linearAddsItsInputGradientIntoThePendingSum() throws {
        // x feeds two linear layers and a scaling; the second linear's GEMM adds its input gradient
        // into the sum already pending for x. dx = 1·W1 + 1·W2 + 2 per row.
        let x = Tensor(shape: [2, 2], data: [1, 2, 3, 4], requiresGrad: true)
        let w1 = Tensor(shape: [3, 2], data: [1, 2, 3, 4, 5, 6]), w2 = Tensor(shape: [2, 3], data: [1, 0, 2, 0, 1, 3])
        let y1 = try x.linear(weight: w1), y2 = try x.linear(weight: w2, layout: .inOut)
        try (try y1.sum() + y2.sum() + x.scaled(by: 2).sum()).backward()
        let row: [Float] = [9 + 3 + 2, 12 + 4 + 2]
        #expect(x.grad?.scalars == row + row)
    }

    @Test func aWeightSharedByTwoLinearLayersGetsBothGradients() throws {
        // Only the input's gradient is added into a pending sum; the weight's two gradients
        // (xᵀ·1 from each layer) must still be summed. dW = colsum(x1) + colsum(x2) per output row.
        let w = Tensor(shape: [1, 2], data: [1, 1], requiresGrad: true)
        let x1 = Tensor(shape: [1, 2], data: [1, 2]), x2 = Tensor(shape: [1, 2], data: [10, 20])
        try (try x1.linear(weight: w).sum() + x2.linear(weight: w).sum()).backward()
        let expected: [Float] = [11, 22]
        #expect(w.grad?.scalars == expected)
    }

    @Test func linearNeverAddsIntoAGradientAnotherTensorStillHolds() throws {
        // `x + u + t` as one operation whose pullback hands the same gradient object to x, to
        // u = x Wᵀ and to t = 3x. The tape runs u's pullback before t's: adding x's input gradient
        // into x's pending gradient in place would change the gradient t still holds.
        // dx = 1 + 1·W + 3.
        let x = Tensor(shape: [1, 2], data: [1, 2], requiresGrad: true)
        let t = x.scaled(by: 3), u = try x.linear(weight: Tensor(shape: [2, 2], data: [1, 2, 3, 4]))
        let values = zip(zip(x.scalars, u.scalars), t.scalars).map { $0.0 + $0.1 + $1 }
        let sum = Tensor.record(Tensor(shape: [1, 2], data: values), op: "sum of three", inputs: [x, u, t]) { g in [g, g, g] }
        try sum.sum().backward()
        let expected: [Float] = [1 + 4 + 3, 1 + 6 + 3]
        #expect(x.grad?.scalars == expected)
    }

    @Test func errorsNameTheOperationAndShapes() {
        let a = Tensor.zeros([2, 3]), b = Tensor.zeros([4, 5])
        do {
            _ = try a.matmul(b)
            Issue.record("matmul of [2, 3] and [4, 5] must fail")
        } catch {
            #expect("\(error)".contains("matmul") && "\(error)".contains("[2, 3]") && "\(error)".contains("[4, 5]"))
        }
        #expect(throws: TensorError.self) { try a + Tensor.zeros([2]) }
        #expect(throws: TensorError.self) { try a.reshaped([4, 2]) }
        #expect(throws: TensorError.self) { try Tensor.zeros([3, 2]).indexSelect(rows: [3]) }
        #expect(throws: TensorError.self) { try a.crossEntropy(targets: [0, 3]) }
        #expect(throws: TensorError.self) { try Tensor(validating: [2, 2], data: [1]) }
        #expect(throws: TensorError.self) {
            try Tensor.scaledDotProductAttention(query: Tensor.zeros([1, 3, 2, 4]), key: Tensor.zeros([1, 2, 2, 4]),
                                                 value: Tensor.zeros([1, 2, 2, 4]), mask: AttentionMask(causal: true))
        }
    }
}
