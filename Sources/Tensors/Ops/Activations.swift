import Foundation

/// The two forms of GELU transformers uses: `gelu` (exact, with erf; BERT) and `gelu_new` /
/// `gelu_pytorch_tanh` (the tanh approximation; GPT-2).
public enum GELUApproximation: Sendable {
    case none, tanh
}

extension Tensor {
    /// `e^x`.
    public func exp() -> Tensor { unary(Exp.self) }
    /// The hyperbolic tangent.
    public func tanh() -> Tensor { unary(Tanh.self) }
    /// The logistic sigmoid `1 / (1 + e^-x)`.
    public func sigmoid() -> Tensor { unary(Sigmoid.self) }
    /// `max(x, 0)`.
    public func relu() -> Tensor { unary(ReLU.self) }
    /// The square root.
    public func sqrt() -> Tensor { unary(SquareRoot.self) }
    /// SiLU (swish), `x · sigmoid(x)`.
    public func silu() -> Tensor { unary(SiLU.self) }

    /// GELU, exact (`x Φ(x)`) or with the tanh approximation.
    public func gelu(approximation: GELUApproximation = .none) -> Tensor {
        switch approximation {
        case .none: return unary(GELUErf.self)
        case .tanh: return unary(GELUTanh.self)
        }
    }

    /// SwiGLU as LLaMA's MLP uses it: `silu(gate) · up`, fused.
    public static func swiglu(gate: Tensor, up: Tensor) throws -> Tensor {
        guard gate.shape == up.shape else {
            throw TensorError.shapeMismatch(op: "swiglu", shapes: [gate.shape, up.shape], reason: "gate and up must have the same shape")
        }
        let out = Kernels.zip(gate, up) { g, u in SiLU.value(g) * u }
        return record(out, op: "swiglu", inputs: [gate, up]) { grad in
            [gate.requiresGrad ? Kernels.zip3(grad, gate, up) { d, g, u in d * u * SiLU.derivative(x: g, y: 0) } : nil,
             up.requiresGrad ? Kernels.zip3(grad, gate, up) { d, g, _ in d * SiLU.value(g) } : nil]
        }
    }

    /// An element-wise function and its derivative; generic so that each function's kernel is
    /// specialised and inlined, with no call per element.
    func unary<F: ElementwiseFunction>(_ function: F.Type) -> Tensor {
        let out = Kernels.map(self, F.value)
        return Tensor.record(out, op: F.name, inputs: [self]) { [self] g in
            [Kernels.zip3(g, self, out) { d, x, y in d * F.derivative(x: x, y: y) }]
        }
    }
}

/// A scalar function applied element by element, with its derivative in terms of the input `x`
/// and the output `y` (whichever is cheaper).
protocol ElementwiseFunction {
    static var name: String { get }
    static func value(_ x: Float) -> Float
    static func derivative(x: Float, y: Float) -> Float
}

enum Exp: ElementwiseFunction {
    static let name = "exp"
    @inline(__always) static func value(_ x: Float) -> Float { Foundation.exp(x) }
    @inline(__always) static func derivative(x: Float, y: Float) -> Float { y }
}

enum Tanh: ElementwiseFunction {
    static let name = "tanh"
    @inline(__always) static func value(_ x: Float) -> Float { Foundation.tanh(x) }
    @inline(__always) static func derivative(x: Float, y: Float) -> Float { 1 - y * y }
}

enum Sigmoid: ElementwiseFunction {
    static let name = "sigmoid"
    @inline(__always) static func value(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }
    @inline(__always) static func derivative(x: Float, y: Float) -> Float { y * (1 - y) }
}

enum ReLU: ElementwiseFunction {
    static let name = "relu"
    @inline(__always) static func value(_ x: Float) -> Float { Swift.max(x, 0) }
    @inline(__always) static func derivative(x: Float, y: Float) -> Float { x > 0 ? 1 : 0 }
}

enum SquareRoot: ElementwiseFunction {
    static let name = "sqrt"
    @inline(__always) static func value(_ x: Float) -> Float { x.squareRoot() }
    @inline(__always) static func derivative(x: Float, y: Float) -> Float { 0.5 / y }
}

enum SiLU: ElementwiseFunction {
    static let name = "silu"
    @inline(__always) static func value(_ x: Float) -> Float { x * Sigmoid.value(x) }
    @inline(__always) static func derivative(x: Float, y: Float) -> Float {
        let s = Sigmoid.value(x)
        return s * (1 + x * (1 - s))
    }
}

/// GELU with erf (`gelu` in transformers; BERT).
enum GELUErf: ElementwiseFunction {
    static let name = "gelu"
    static let invSqrt2: Float = 0.7071067811865476
    static let invSqrt2Pi: Float = 0.3989422804014327
    @inline(__always) static func value(_ x: Float) -> Float { 0.5 * x * (1 + erf(x * invSqrt2)) }
    @inline(__always) static func derivative(x: Float, y: Float) -> Float {
        0.5 * (1 + erf(x * invSqrt2)) + x * invSqrt2Pi * Foundation.exp(-0.5 * x * x)
    }
}

/// GELU with the tanh approximation (`gelu_new`, `gelu_pytorch_tanh`; GPT-2):
/// `0.5 x (1 + tanh(u))` with `u = √(2/π)(x + 0.044715 x³)`, computed as the identical `x σ(2u)`,
/// which costs one `exp` instead of a (much slower) `tanh`.
enum GELUTanh: ElementwiseFunction {
    static let name = "gelu_tanh"
    static let sqrt2OverPi: Float = 0.7978845608028654
    @inline(__always) static func doubledInner(_ x: Float) -> Float { 2 * sqrt2OverPi * (x + 0.044715 * x * x * x) }
    @inline(__always) static func value(_ x: Float) -> Float { x * Sigmoid.value(doubledInner(x)) }
    @inline(__always) static func derivative(x: Float, y: Float) -> Float {
        // With s = σ(2u): 1 + tanh u = 2s and 1 − tanh² u = 4s(1 − s).
        let s = Sigmoid.value(doubledInner(x))
        return s + 2 * x * s * (1 - s) * sqrt2OverPi * (1 + 3 * 0.044715 * x * x)
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
