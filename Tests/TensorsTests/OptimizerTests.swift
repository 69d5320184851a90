import Foundation
import Testing
@testable import Tensors

/// AdamW, SGD and gradient clipping against PyTorch's formulas written out in Double.
@Suite struct OptimizerTests {
    /// A parameter holding `values`, as a vector.
    static func parameter(_ values: [Float]) -> Tensor {
        Tensor(shape: [values.count], data: values, requiresGrad: true)
    }

    /// Sets `parameter`'s gradient to `values`.
    static func setGradient(_ parameter: Tensor, _ values: [Float]) {
        parameter.grad = Tensor(shape: parameter.shape, data: values)
    }

    /// Expects `actual` to match `expected` within Float32 rounding of a few operations.
    static func expectClose(_ actual: Tensor, _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        let values = actual.scalars
        #expect(values.count == expected.count, sourceLocation: sourceLocation)
        for (index, (a, e)) in zip(values, expected).enumerated() where abs(Double(a) - e) > 1e-6 + 1e-5 * abs(e) {
            Issue.record("element \(index): got \(a), expected \(e)", sourceLocation: sourceLocation)
        }
    }

    /// PyTorch's AdamW for one parameter, in Double.
    struct ReferenceAdamW {
        var p: [Double]
        var m: [Double]
        var v: [Double]
        var t = 0
        let lr: Double, weightDecay: Double, beta1 = 0.9, beta2 = 0.999, eps = 1e-8

        init(_ p: [Float], lr: Double, weightDecay: Double) {
            self.p = p.map(Double.init)
            m = Array(repeating: 0, count: p.count)
            v = m
            self.lr = lr
            self.weightDecay = weightDecay
        }

        mutating func step(_ g: [Float]) {
            t += 1
            let bc1 = 1 - pow(beta1, Double(t)), bc2 = 1 - pow(beta2, Double(t))
            for i in p.indices {
                let gi = Double(g[i])
                p[i] *= 1 - lr * weightDecay
                m[i] = beta1 * m[i] + (1 - beta1) * gi
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
                let denom = v[i].squareRoot() / bc2.squareRoot() + eps
                p[i] -= lr / bc1 * m[i] / denom
            }
        }
    }

    /// PyTorch's SGD for one parameter, in Double.
    struct ReferenceSGD {
        var p: [Double]
        var buffer: [Double]? = nil
        let lr: Double, momentum: Double, dampening: Double, weightDecay: Double, nesterov: Bool

        mutating func step(_ g: [Float]) {
            let d = p.indices.map { Double(g[$0]) + weightDecay * p[$0] }
            var direction = d
            if momentum != 0 {
                let b = buffer.map { b in d.indices.map { momentum * b[$0] + (1 - dampening) * d[$0] } } ?? d
                buffer = b
                direction = nesterov ? d.indices.map { d[$0] + momentum * b[$0] } : b
            }
            for i in p.indices { p[i] -= lr * direction[i] }
        }
    }

    @Test func adamWDefaultsArePyTorchs() throws {
        let adam = try AdamW(parameters: [Self.parameter([1])])
        #expect(adam.parameterGroups[0].learningRate == 1e-3)
        #expect(adam.parameterGroups[0].weightDecay == 0.01)
        #expect(adam.betas == (0.9, 0.999))
        #expect(adam.epsilon == 1e-8)
    }

    @Test func adamWMatchesPyTorchsFormulaOverTwoGroups() throws {
        let first = Self.parameter([0.5, -1.5, 2.0, 0.0])
        let second = Self.parameter([1.0, -0.25, 3.0])
        var firstReference = ReferenceAdamW(first.scalars, lr: 0.1, weightDecay: 0.1)
        var secondReference = ReferenceAdamW(second.scalars, lr: 0.01, weightDecay: 0)
        let adam = try AdamW(groups: [ParameterGroup(parameters: [first], learningRate: 0.1, weightDecay: 0.1),
                                      ParameterGroup(parameters: [second], learningRate: 0.01)])
        let firstGradients: [[Float]] = [[0.1, -0.2, 0.3, 0.0], [1.0, 0.5, -0.5, 2.0], [-0.3, 0.1, 0.2, -1.0], [0.05, 0.0, -2.0, 0.5]]
        let secondGradients: [[Float]?] = [[2.0, -1.0, 0.5], nil, [0.3, 0.3, -0.7], [1.5, -0.2, 0.0]]
        for (g1, g2) in zip(firstGradients, secondGradients) {
            adam.zeroGrad()
            Self.setGradient(first, g1)
            firstReference.step(g1)
            if let g2 {
                Self.setGradient(second, g2)
                secondReference.step(g2)
            }
            try adam.step()
            Self.expectClose(first, firstReference.p)
            Self.expectClose(second, secondReference.p)
        }
        // The second parameter skipped a step, so its bias corrections count 3 steps, not 4.
        #expect(adam.state().parameters.map { $0?.step } == [4, 3])
    }

    @Test func largeParametersSplitAcrossCoresMatchTheFormula() throws {
        let count = 3 * Parallel.minimumWork
        let p = Tensor(shape: [count], data: (0 ..< count).map { Float($0 % 17) - 8 }, requiresGrad: true)
        let gradient = (0 ..< count).map { Float($0 % 13) / 4 - 1.5 }
        var reference = ReferenceAdamW(p.scalars, lr: 0.01, weightDecay: 0.01)
        let adam = try AdamW(parameters: [p], learningRate: 0.01)
        for _ in 0 ..< 2 {
            Self.setGradient(p, gradient)
            reference.step(gradient)
            try adam.step()
        }
        Self.expectClose(p, reference.p)
    }

    @Test func learningRateSetOnAGroupDrivesTheNextStep() throws {
        let p = Self.parameter([1, 2])
        var reference = ReferenceAdamW(p.scalars, lr: 0.05, weightDecay: 0.01)
        let adam = try AdamW(parameters: [p], learningRate: 0.2)
        adam.parameterGroups[0].learningRate = 0.05
        Self.setGradient(p, [0.5, -0.5])
        reference.step([0.5, -0.5])
        try adam.step()
        Self.expectClose(p, reference.p)
    }

    @Test func parametersWithoutGradientsAreUntouched() throws {
        let updated = Self.parameter([1, 2])
        let frozen = Self.parameter([3, 4])
        Self.setGradient(updated, [0.1, 0.1])
        let optimizers: [any Optimizer] = [
            try AdamW(parameters: [updated, frozen], weightDecay: 0.5),
            try SGD(parameters: [updated, frozen], learningRate: 0.1, momentum: 0.9, weightDecay: 0.5),
        ]
        for optimizer in optimizers {
            try optimizer.step()
            #expect(frozen.scalars == [3, 4])
            #expect(frozen.grad == nil)
            #expect(optimizer.state().parameters[1] == nil)
        }
        #expect(updated.scalars != [1, 2])
    }

    @Test func zeroGradClearsEveryGradient() throws {
        let p = Self.parameter([1])
        Self.setGradient(p, [1])
        try SGD(parameters: [p]).zeroGrad()
        #expect(p.grad == nil)
    }

    @Test func restoredStateContinuesTheSameTrajectory() throws {
        let original = Self.parameter([0.5, -1])
        let adam = try AdamW(parameters: [original], learningRate: 0.1)
        for g: [Float] in [[1, -2], [0.5, 0.25]] {
            Self.setGradient(original, g)
            try adam.step()
        }
        let saved = adam.state()
        let encoded = try JSONEncoder().encode(saved)
        #expect(try JSONDecoder().decode(OptimizerState.self, from: encoded) == saved)

        let restored = Self.parameter(original.scalars)
        let resumed = try AdamW(parameters: [restored], learningRate: 0.5)
        try resumed.load(saved)
        #expect(resumed.parameterGroups[0].learningRate == 0.1)
        for (p, optimizer) in [(original, adam), (restored, resumed)] as [(Tensor, AdamW)] {
            Self.setGradient(p, [-0.3, 0.7])
            try optimizer.step()
        }
        #expect(original.scalars == restored.scalars)
    }

    @Test func stateThatDoesNotFitIsRejected() throws {
        let p = Self.parameter([1, 2])
        Self.setGradient(p, [1, 1])
        let adam = try AdamW(parameters: [p])
        try adam.step()
        var wrongSize = adam.state()
        wrongSize.parameters[0]?.buffers["exp_avg"] = [0]
        #expect(throws: TensorError.self) { try adam.load(wrongSize) }
        var wrongCount = adam.state()
        wrongCount.parameters.append(nil)
        #expect(throws: TensorError.self) { try adam.load(wrongCount) }
        let other = Self.parameter([1, 2])
        Self.setGradient(other, [1, 1])
        let sgd = try SGD(parameters: [other], momentum: 0.9)
        try sgd.step()
        #expect(throws: TensorError.self) { try adam.load(sgd.state()) }
        #expect(adam.state().parameters[0]?.step == 1)
    }

    @Test func invalidSettingsAreRejected() throws {
        let p = Self.parameter([1])
        #expect(throws: TensorError.self) { try AdamW(parameters: [p], betas: (1, 0.999)) }
        #expect(throws: TensorError.self) { try AdamW(parameters: [p], learningRate: -1) }
        #expect(throws: TensorError.self) { try AdamW(groups: [ParameterGroup(parameters: [p], learningRate: 1),
                                                               ParameterGroup(parameters: [p], learningRate: 2)]) }
        #expect(throws: TensorError.self) { try SGD(parameters: [p], nesterov: true) }
        #expect(throws: TensorError.self) { try SGD(parameters: [p], momentum: 0.9, dampening: 0.1, nesterov: true) }
    }

    @Test func gradientOfTheWrongSizeThrowsBeforeAnyUpdate() throws {
        let good = Self.parameter([1, 2])
        let bad = Self.parameter([3, 4])
        Self.setGradient(good, [1, 1])
        bad.grad = Tensor(shape: [3], data: [1, 1, 1])
        let sgd = try SGD(parameters: [good, bad], learningRate: 0.1)
        #expect(throws: TensorError.self) { try sgd.step() }
        #expect(good.scalars == [1, 2])
    }

    @Test(arguments: [(momentum: 0.0, dampening: 0.0, nesterov: false),
                      (momentum: 0.9, dampening: 0.1, nesterov: false),
                      (momentum: 0.9, dampening: 0.0, nesterov: true)])
    func sgdMatchesPyTorchsFormula(settings: (momentum: Double, dampening: Double, nesterov: Bool)) throws {
        let p = Self.parameter([0.5, -1.5, 2.0])
        var reference = ReferenceSGD(p: p.scalars.map(Double.init), lr: 0.1, momentum: settings.momentum,
                                     dampening: settings.dampening, weightDecay: 0.01, nesterov: settings.nesterov)
        let sgd = try SGD(parameters: [p], learningRate: 0.1, momentum: settings.momentum, dampening: settings.dampening,
                          weightDecay: 0.01, nesterov: settings.nesterov)
        for g: [Float] in [[1, -2, 0.5], [0.5, 0.25, -1], [-0.3, 0.7, 0.2]] {
            Self.setGradient(p, g)
            reference.step(g)
            try sgd.step()
            Self.expectClose(p, reference.p)
        }
        #expect(p.grad?.scalars == [-0.3, 0.7, 0.2])
    }

    @Test func clipGradNormScalesLargeGradients() {
        let a = Self.parameter([0, 0])
        let b = Self.parameter([0])
        let noGradient = Self.parameter([0])
        Self.setGradient(a, [3, 4])
        Self.setGradient(b, [12])
        let total = clipGradNorm([a, b, noGradient], maxNorm: 1)
        #expect(abs(total - 13) < 1e-5)
        let coefficient = 1 / (13 + 1e-6)
        Self.expectClose(a.grad!, [3 * coefficient, 4 * coefficient])
        Self.expectClose(b.grad!, [12 * coefficient])
        #expect(noGradient.grad == nil)
    }

    @Test func clipGradNormLeavesSmallGradients() {
        let a = Self.parameter([0, 0])
        Self.setGradient(a, [3, 4])
        #expect(abs(clipGradNorm([a], maxNorm: 20) - 5) < 1e-6)
        #expect(a.grad?.scalars == [3, 4])
    }

    @Test func clipGradNormReportsNonFiniteNormsWithoutScaling() {
        let a = Self.parameter([0, 0])
        Self.setGradient(a, [.infinity, 1])
        #expect(clipGradNorm([a], maxNorm: 1) == .infinity)
        #expect(a.grad?.scalars == [.infinity, 1])
        Self.setGradient(a, [.nan, 1])
        #expect(clipGradNorm([a], maxNorm: 1).isNaN)
    }
}
