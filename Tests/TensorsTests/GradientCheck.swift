import Testing
@testable import Tensors

/// Central finite-difference checks of the tape's gradients.
///
/// The function under test maps some input tensors to an output; the check contracts the output with
/// fixed random weights `R` (loss = Σ out·R, accumulated in Float64), differentiates that loss by the
/// tape, and compares each input's gradient with `(loss(x + h) − loss(x − h)) / 2h` element by element.
enum GradientCheck {
    /// Checks every input that requires a gradient; records an issue per mismatching element (at most
    /// a few per input) with the input index, the element and both values.
    static func check(
        _ inputs: [Tensor], step h: Float = 1e-2, tolerance: Double = 2e-2,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ f: ([Tensor]) throws -> Tensor
    ) throws {
        var generator = RandomGenerator(seed: 1234)
        let probe = try GradMode.withoutGradients { try f(inputs) }
        let weights = Tensor.normal(probe.shape, generator: &generator)
        func loss() throws -> Double {
            let out = try GradMode.withoutGradients { try f(inputs) }
            return zip(out.scalars, weights.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        for input in inputs { input.grad = nil }
        let out = try f(inputs)
        try (out * weights).sum().backward()
        for (index, input) in inputs.enumerated() where input.requiresGrad {
            let analytic = try #require(input.grad, "input \(index) got no gradient", sourceLocation: sourceLocation)
            #expect(analytic.shape == input.shape, sourceLocation: sourceLocation)
            var failures = 0
            for element in 0 ..< input.count {
                let original = input.scalars[element]
                input.withUnsafeMutableBufferPointer { $0[element] = original + h }
                let plus = try loss()
                input.withUnsafeMutableBufferPointer { $0[element] = original - h }
                let minus = try loss()
                input.withUnsafeMutableBufferPointer { $0[element] = original }
                let numeric = (plus - minus) / (2 * Double(h))
                let value = Double(analytic.scalars[element])
                let scale = max(1, abs(numeric), abs(value))
                if abs(numeric - value) > tolerance * scale {
                    failures += 1
                    if failures <= 3 {
                        Issue.record("input \(index) element \(element): tape \(value), finite difference \(numeric)",
                                     sourceLocation: sourceLocation)
                    }
                }
            }
        }
    }

    /// A random tensor that requires a gradient.
    static func parameter(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        var generator = RandomGenerator(seed: seed)
        let t = Tensor.normal(shape, std: scale, generator: &generator)
        t.requiresGrad = true
        return t
    }
}
