import Foundation

/// The two forms of GELU transformers uses: `gelu` (exact, with erf; BERT) and `gelu_new` /
/// `gelu_pytorch_tanh` (the tanh approximation; GPT-2).
public enum GELUApproximation: Sendable {
    case none, tanh
}

extension Tensor {
    /// `e^x`.
    public func exp() -> Tensor {
        unary("exp", { Foundation.exp($0) }, derivative: { _, y in y })
    }

    /// The hyperbolic tangent.
    public func tanh() -> Tensor {
        unary("tanh", { Foundation.tanh($0) }, derivative: { _, y in 1 - y * y })
    }

    /// The logistic sigmoid `1 / (1 + e^-x)`.
    public func sigmoid() -> Tensor {
        unary("sigmoid", Activation.sigmoid, derivative: { _, y in y * (1 - y) })
    }

    /// `max(x, 0)`.
    public func relu() -> Tensor {
        unary("relu", { Swift.max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 })
    }

    /// The square root.
    public func sqrt() -> Tensor {
        unary("sqrt", { $0.squareRoot() }, derivative: { _, y in 0.5 / y })
    }

    /// GELU, exact (`x Φ(x)`) or with the tanh approximation.
    public func gelu(approximation: GELUApproximation = .none) -> Tensor {
        switch approximation {
        case .none: return unary("gelu", Activation.geluErf, derivative: { x, _ in Activation.geluErfDerivative(x) })
        case .tanh: return unary("gelu_tanh", Activation.geluTanh, derivative: { x, _ in Activation.geluTanhDerivative(x) })
        }
    }

    /// SiLU (swish), `x · sigmoid(x)`.
    public func silu() -> Tensor {
        unary("silu", { $0 * Activation.sigmoid($0) }, derivative: { x, _ in Activation.siluDerivative(x) })
    }

    /// SwiGLU as LLaMA's MLP uses it: `silu(gate) · up`, fused.
    public static func swiglu(gate: Tensor, up: Tensor) throws -> Tensor {
        guard gate.shape == up.shape else {
            throw TensorError.shapeMismatch(op: "swiglu", shapes: [gate.shape, up.shape], reason: "gate and up must have the same shape")
        }
        let out = Kernels.zip(gate, up) { g, u in g * Activation.sigmoid(g) * u }
        return record(out, op: "swiglu", inputs: [gate, up]) { grad in
            [gate.requiresGrad ? Kernels.zip3(grad, gate, up) { d, g, u in d * u * Activation.siluDerivative(g) } : nil,
             up.requiresGrad ? Kernels.zip3(grad, gate, up) { d, g, _ in d * g * Activation.sigmoid(g) } : nil]
        }
    }

    /// An element-wise function with its derivative given in terms of the input `x` and output `y`.
    func unary(_ op: String, _ f: (Float) -> Float, derivative: @escaping (Float, Float) -> Float) -> Tensor {
        let out = Kernels.map(self, f)
        return Tensor.record(out, op: op, inputs: [self]) { [self] g in
            [Kernels.zip3(g, self, out) { d, x, y in d * derivative(x, y) }]
        }
    }
}

/// Scalar activation functions and their derivatives, shared by the element-wise ops.
enum Activation {
    static let sqrt2OverPi: Float = 0.7978845608028654
    static let invSqrt2: Float = 0.7071067811865476
    static let invSqrt2Pi: Float = 0.3989422804014327

    @inline(__always) static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }

    @inline(__always) static func siluDerivative(_ x: Float) -> Float {
        let s = sigmoid(x)
        return s * (1 + x * (1 - s))
    }

    @inline(__always) static func geluErf(_ x: Float) -> Float { 0.5 * x * (1 + erf(x * invSqrt2)) }

    @inline(__always) static func geluErfDerivative(_ x: Float) -> Float {
        0.5 * (1 + erf(x * invSqrt2)) + x * invSqrt2Pi * Foundation.exp(-0.5 * x * x)
    }

    @inline(__always) static func geluTanh(_ x: Float) -> Float {
        0.5 * x * (1 + Foundation.tanh(sqrt2OverPi * (x + 0.044715 * x * x * x)))
    }

    @inline(__always) static func geluTanhDerivative(_ x: Float) -> Float {
        let inner = sqrt2OverPi * (x + 0.044715 * x * x * x)
        let t = Foundation.tanh(inner)
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * sqrt2OverPi * (1 + 3 * 0.044715 * x * x)
    }
}

extension Kernels {
    /// `f` applied to triples of elements of three tensors with the same element count.
    @inline(__always)
    static func zip3(_ x: Tensor, _ y: Tensor, _ z: Tensor, _ f: (Float, Float, Float) -> Float) -> Tensor {
        precondition(x.count == y.count && y.count == z.count, "zip3 needs equal element counts")
        return x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                z.withUnsafeBufferPointer { pz in
                    Tensor.make(shape: y.shape) { dst in
                        Parallel.forEachChunk(px.count) { r in for i in r { dst[i] = f(px[i], py[i], pz[i]) } }
                    }
                }
            }
        }
    }
}
