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
        let out = Kernels.lanes(SwiGLUValue.self, gate, up)
        return record(out, op: "swiglu", inputs: [gate, up]) { grad in
            guard gate.requiresGrad, up.requiresGrad else {
                return [gate.requiresGrad ? Kernels.lanes(SwiGLUGateGradient.self, grad, gate, up) : nil,
                        up.requiresGrad ? Kernels.lanes(SwiGLUUpGradient.self, grad, gate) : nil]
            }
            let (dGate, dUp) = Kernels.swigluGradients(grad, gate, up)
            return [dGate, dUp]
        }
    }

    /// An element-wise function and its derivative; generic so that each function's kernel is
    /// specialised and inlined, sixteen lanes at a time. The backward pass keeps and reads only the
    /// tensor the derivative needs, the input or the output.
    func unary<F: ElementwiseFunction>(_ function: F.Type) -> Tensor {
        let out = Kernels.lanes(ValueOf<F>.self, self)
        let saved = F.derivativeUsesOutput ? out.detached() : self
        return Tensor.record(out, op: F.name, inputs: [self]) { g in
            [Kernels.lanes(ChainRule<F>.self, g, saved)]
        }
    }
}

/// A function applied element by element, with its derivative in terms of either the input `x`
/// or the output `y` (whichever is cheaper), on sixteen lanes at once.
protocol ElementwiseFunction {
    typealias Lanes = SIMD16<Float>
    static var name: String { get }
    /// Whether `derivative` takes the output `y` rather than the input `x`.
    static var derivativeUsesOutput: Bool { get }
    static func value(_ x: Lanes) -> Lanes
    /// The derivative, from `x` or `y` as `derivativeUsesOutput` says.
    static func derivative(_ saved: Lanes) -> Lanes
}

extension SIMD16<Float> {
    /// Each lane through `f` (for functions without a vector form, such as `erf`).
    @inline(__always)
    func lanewise(_ f: (Float) -> Float) -> Self {
        var out = Self()
        for i in 0 ..< 16 { out[i] = f(self[i]) }
        return out
    }
}

enum Exp: ElementwiseFunction {
    static let name = "exp"
    static let derivativeUsesOutput = true
    @inline(__always) static func value(_ x: Lanes) -> Lanes { VectorMath.exp(x) }
    @inline(__always) static func derivative(_ y: Lanes) -> Lanes { y }
}

enum Tanh: ElementwiseFunction {
    static let name = "tanh"
    static let derivativeUsesOutput = true
    @inline(__always) static func value(_ x: Lanes) -> Lanes { x.lanewise { Foundation.tanh($0) } }
    @inline(__always) static func derivative(_ y: Lanes) -> Lanes { 1 - y * y }
}

enum Sigmoid: ElementwiseFunction {
    static let name = "sigmoid"
    static let derivativeUsesOutput = true
    @inline(__always) static func value(_ x: Lanes) -> Lanes { 1 / (1 + VectorMath.exp(-x)) }
    @inline(__always) static func derivative(_ y: Lanes) -> Lanes { y * (1 - y) }
}

enum ReLU: ElementwiseFunction {
    static let name = "relu"
    static let derivativeUsesOutput = false
    @inline(__always) static func value(_ x: Lanes) -> Lanes { pointwiseMax(x, Lanes()) }
    @inline(__always) static func derivative(_ x: Lanes) -> Lanes { Lanes().replacing(with: 1, where: x .> 0) }
}

enum SquareRoot: ElementwiseFunction {
    static let name = "sqrt"
    static let derivativeUsesOutput = true
    @inline(__always) static func value(_ x: Lanes) -> Lanes { x.squareRoot() }
    @inline(__always) static func derivative(_ y: Lanes) -> Lanes { 0.5 / y }
}

enum SiLU: ElementwiseFunction {
    static let name = "silu"
    static let derivativeUsesOutput = false
    @inline(__always) static func value(_ x: Lanes) -> Lanes { x * Sigmoid.value(x) }
    @inline(__always) static func derivative(_ x: Lanes) -> Lanes {
        let s = Sigmoid.value(x)
        return s * (1 + x * (1 - s))
    }
}

/// GELU with erf (`gelu` in transformers; BERT).
enum GELUErf: ElementwiseFunction {
    static let name = "gelu"
    static let derivativeUsesOutput = false
    static let invSqrt2: Float = 0.7071067811865476
    static let invSqrt2Pi: Float = 0.3989422804014327
    @inline(__always) static func value(_ x: Lanes) -> Lanes { 0.5 * x * (1 + (x * invSqrt2).lanewise(erf)) }
    @inline(__always) static func derivative(_ x: Lanes) -> Lanes {
        0.5 * (1 + (x * invSqrt2).lanewise(erf)) + x * invSqrt2Pi * VectorMath.exp(-0.5 * x * x)
    }
}

/// GELU with the tanh approximation (`gelu_new`, `gelu_pytorch_tanh`; GPT-2):
/// `0.5 x (1 + tanh(u))` with `u = √(2/π)(x + 0.044715 x³)`, computed as the identical `x σ(2u)`,
/// which costs one `exp` instead of a (much slower) `tanh`.
enum GELUTanh: ElementwiseFunction {
    static let name = "gelu_tanh"
    static let derivativeUsesOutput = false
    static let sqrt2OverPi: Float = 0.7978845608028654
    @inline(__always) static func doubledInner(_ x: Lanes) -> Lanes {
        let cube: Lanes = x * x * x
        return (2 * sqrt2OverPi) * (x + 0.044715 * cube)
    }
    @inline(__always) static func value(_ x: Lanes) -> Lanes { x * Sigmoid.value(doubledInner(x)) }
    @inline(__always) static func derivative(_ x: Lanes) -> Lanes {
        // With s = σ(2u): 1 + tanh u = 2s and 1 − tanh² u = 4s(1 − s).
        let s = Sigmoid.value(doubledInner(x))
        let slope: Lanes = (2 * sqrt2OverPi) * (1 + (3 * 0.044715) * x * x)
        let spread: Lanes = x * s * (1 - s)
        return s + spread * slope
    }
}

/// `F(a)`.
enum ValueOf<F: ElementwiseFunction>: LaneKernel {
    @inline(__always) static func apply(_ x: Lanes, _: Lanes, _: Lanes) -> Lanes { F.value(x) }
}

/// The chain rule through `F`: the incoming gradient `a` times `F`'s derivative from `b` (`x` or `y`).
enum ChainRule<F: ElementwiseFunction>: LaneKernel {
    @inline(__always) static func apply(_ g: Lanes, _ saved: Lanes, _: Lanes) -> Lanes { g * F.derivative(saved) }
}

/// SwiGLU, `silu(gate) · up`, and its gradients with respect to the gate and up inputs.
enum SwiGLUValue: LaneKernel {
    @inline(__always) static func apply(_ gate: Lanes, _ up: Lanes, _: Lanes) -> Lanes { SiLU.value(gate) * up }
}

enum SwiGLUGateGradient: LaneKernel {
    @inline(__always) static func apply(_ g: Lanes, _ gate: Lanes, _ up: Lanes) -> Lanes { g * up * SiLU.derivative(gate) }
}

enum SwiGLUUpGradient: LaneKernel {
    @inline(__always) static func apply(_ g: Lanes, _ gate: Lanes, _: Lanes) -> Lanes { g * SiLU.value(gate) }
}

extension Kernels {
    /// Both SwiGLU input gradients in one pass, the sigmoid of each gate computed once: the values
    /// of `SwiGLUGateGradient` and `SwiGLUUpGradient`, bit for bit.
    static func swigluGradients(_ g: Tensor, _ gate: Tensor, _ up: Tensor) -> (gate: Tensor, up: Tensor) {
        precondition(g.count == gate.count && gate.count == up.count, "swiglu gradients need equal element counts")
        var dUp: Tensor!
        let dGate = g.withUnsafeBufferPointer { pg in gate.withUnsafeBufferPointer { px in up.withUnsafeBufferPointer { pu in
            Tensor.make(shape: gate.shape) { dg in
                dUp = Tensor.make(shape: up.shape) { du in
                    let (g, x, u, dg, du, count) = (pg.baseAddress!, px.baseAddress!, pu.baseAddress!, dg.baseAddress!, du.baseAddress!, pg.count)
                    Parallel.forEachChunk((count + 15) / 16, costPerItem: 16) { blocks in
                        for block in blocks {
                            let i = block * 16, n = Swift.min(16, count - i)
                            let gi = loadLanes(g + i, n), xi = loadLanes(x + i, n)
                            let s = Sigmoid.value(xi)
                            storeLanes(gi * loadLanes(u + i, n) * (s * (1 + xi * (1 - s))), dg + i, n)
                            storeLanes(gi * (xi * s), du + i, n)
                        }
                    }
                }
            }
        } } }
        return (dGate, dUp)
    }
}
