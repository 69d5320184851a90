@testable import Tensors

/// Central finite-difference checks of the tape's gradients.
///
/// The function under test maps some input tensors to an output; the check contracts the output with
/// fixed random weights `R` (loss = Σ out·R, accumulated in Float64), differentiates that loss by the
/// tape, and compares each input's gradient with `(loss(x + h) − loss(x − h)) / 2h` element by element.
enum GradientCheck {
    /// Compares the tape's gradient of every input that requires one with central differences;
    /// returns a line per mismatching element (at most three per input) naming the input, the
    /// element and both values, or nothing when all agree.
    static func mismatches(
        _ inputs: [Tensor], step h: Float = 1e-2, tolerance: Double = 2e-2,
        _ f: ([Tensor]) throws -> Tensor
    ) throws -> [String] {
        var found: [String] = []
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
            guard let analytic = input.grad, analytic.shape == input.shape else {
                found.append("input \(index) got no gradient of its shape \(input.shape)")
                continue
            }
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
                    if failures <= 3 { found.append("input \(index) element \(element): tape \(value), finite difference \(numeric)") }
                }
            }
        }
        return found
    }

    /// A random tensor that requires a gradient.
    static func parameter(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        var generator = RandomGenerator(seed: seed)
        let t = Tensor.normal(shape, std: scale, generator: &generator)
        t.requiresGrad = true
        return t
    }
}
