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
        typealias Lanes = SIMD16<Float>
        guard gate.shape == up.shape else {
            throw TensorError.shapeMismatch(op: "swiglu", shapes: [gate.shape, up.shape], reason: "gate and up must have the same shape")
        }
        let out = Kernels.zip3Lanes(gate, up, up) { g, u, _ in SiLU.value(g) * u }
        return record(out, op: "swiglu", inputs: [gate, up]) { grad in
            [gate.requiresGrad ? Kernels.zip3Lanes(grad, gate, up) { d, g, u in d * u * SiLU.derivative(x: g, y: Lanes()) } : nil,
             up.requiresGrad ? Kernels.zip3Lanes(grad, gate, up) { d, g, _ in d * SiLU.value(g) } : nil]
        }
    }

    /// An element-wise function and its derivative; generic so that each function's kernel is
    /// specialised and inlined, sixteen lanes at a time.
    func unary<F: ElementwiseFunction>(_ function: F.Type) -> Tensor {
        let out = Kernels.mapLanes(self, F.value)
        return Tensor.record(out, op: F.name, inputs: [self]) { [self] g in
            [Kernels.zip3Lanes(g, self, out) { d, x, y in d * F.derivative(x: x, y: y) }]
        }
    }
}

/// A function applied element by element, with its derivative in terms of the input `x` and the
/// output `y` (whichever is cheaper), on sixteen lanes at once.
protocol ElementwiseFunction {
    typealias Lanes = SIMD16<Float>
    static var name: String { get }
    static func value(_ x: Lanes) -> Lanes
    static func derivative(x: Lanes, y: Lanes) -> Lanes
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
    @inline(__always) static func value(_ x: Lanes) -> Lanes { VectorMath.exp(x) }
    @inline(__always) static func derivative(x: Lanes, y: Lanes) -> Lanes { y }
}

enum Tanh: ElementwiseFunction {
    static let name = "tanh"
    @inline(__always) static func value(_ x: Lanes) -> Lanes { x.lanewise { Foundation.tanh($0) } }
    @inline(__always) static func derivative(x: Lanes, y: Lanes) -> Lanes { 1 - y * y }
}

enum Sigmoid: ElementwiseFunction {
    static let name = "sigmoid"
    @inline(__always) static func value(_ x: Lanes) -> Lanes { 1 / (1 + VectorMath.exp(-x)) }
    @inline(__always) static func derivative(x: Lanes, y: Lanes) -> Lanes { y * (1 - y) }
}

enum ReLU: ElementwiseFunction {
    static let name = "relu"
    @inline(__always) static func value(_ x: Lanes) -> Lanes { pointwiseMax(x, Lanes()) }
    @inline(__always) static func derivative(x: Lanes, y: Lanes) -> Lanes { Lanes().replacing(with: 1, where: x .> 0) }
}

enum SquareRoot: ElementwiseFunction {
    static let name = "sqrt"
    @inline(__always) static func value(_ x: Lanes) -> Lanes { x.squareRoot() }
    @inline(__always) static func derivative(x: Lanes, y: Lanes) -> Lanes { 0.5 / y }
}

enum SiLU: ElementwiseFunction {
    static let name = "silu"
    @inline(__always) static func value(_ x: Lanes) -> Lanes { x * Sigmoid.value(x) }
    @inline(__always) static func derivative(x: Lanes, y: Lanes) -> Lanes {
        let s = Sigmoid.value(x)
        return s * (1 + x * (1 - s))
    }
}

/// GELU with erf (`gelu` in transformers; BERT).
enum GELUErf: ElementwiseFunction {
    static let name = "gelu"
    static let invSqrt2: Float = 0.7071067811865476
    static let invSqrt2Pi: Float = 0.3989422804014327
    @inline(__always) static func value(_ x: Lanes) -> Lanes { 0.5 * x * (1 + (x * invSqrt2).lanewise(erf)) }
    @inline(__always) static func derivative(x: Lanes, y: Lanes) -> Lanes {
        0.5 * (1 + (x * invSqrt2).lanewise(erf)) + x * invSqrt2Pi * VectorMath.exp(-0.5 * x * x)
    }
}

/// GELU with the tanh approximation (`gelu_new`, `gelu_pytorch_tanh`; GPT-2):
/// `0.5 x (1 + tanh(u))` with `u = √(2/π)(x + 0.044715 x³)`, computed as the identical `x σ(2u)`,
/// which costs one `exp` instead of a (much slower) `tanh`.
enum GELUTanh: ElementwiseFunction {
    static let name = "gelu_tanh"
    static let sqrt2OverPi: Float = 0.7978845608028654
    @inline(__always) static func doubledInner(_ x: Lanes) -> Lanes {
        let cube: Lanes = x * x * x
        return (2 * sqrt2OverPi) * (x + 0.044715 * cube)
    }
    @inline(__always) static func value(_ x: Lanes) -> Lanes { x * Sigmoid.value(doubledInner(x)) }
    @inline(__always) static func derivative(x: Lanes, y: Lanes) -> Lanes {
        // With s = σ(2u): 1 + tanh u = 2s and 1 − tanh² u = 4s(1 − s).
        let s = Sigmoid.value(doubledInner(x))
        let slope: Lanes = (2 * sqrt2OverPi) * (1 + (3 * 0.044715) * x * x)
        let spread: Lanes = x * s * (1 - s)
        return s + spread * slope
    }
}

extension Kernels {
    /// `f` over `x`, sixteen lanes at a time (the tail padded), split across cores for large tensors.
    @inline(__always)
    static func mapLanes(_ x: Tensor, _ f: (SIMD16<Float>) -> SIMD16<Float>) -> Tensor {
        x.withUnsafeBufferPointer { src in
            Tensor.make(shape: x.shape) { dst in
                forEachLaneChunk(src.count) { i, count in
                    let v = f(loadLanes(src.baseAddress! + i, count))
                    storeLanes(v, dst.baseAddress! + i, count)
                }
            }
        }
    }

    /// `f` over three tensors with equal element counts, sixteen lanes at a time; the result has `y`'s shape.
    @inline(__always)
    static func zip3Lanes(_ x: Tensor, _ y: Tensor, _ z: Tensor,
                          _ f: (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>) -> Tensor {
        precondition(x.count == y.count && y.count == z.count, "zip3Lanes needs equal element counts")
        return x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                z.withUnsafeBufferPointer { pz in
                    Tensor.make(shape: y.shape) { dst in
                        forEachLaneChunk(px.count) { i, count in
                            let v = f(loadLanes(px.baseAddress! + i, count), loadLanes(py.baseAddress! + i, count), loadLanes(pz.baseAddress! + i, count))
                            storeLanes(v, dst.baseAddress! + i, count)
                        }
                    }
                }
            }
        }
    }

    /// Calls `body(start, count)` for blocks of sixteen elements (the last may be shorter), in
    /// parallel chunks for large counts.
    @inline(__always)
    static func forEachLaneChunk(_ count: Int, _ body: (Int, Int) -> Void) {
        let blocks = (count + 15) / 16
        Parallel.forEachChunk(blocks, costPerItem: 16) { range in
            for block in range { body(block * 16, Swift.min(16, count - block * 16)) }
        }
    }

    @inline(__always)
    static func loadLanes(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD16<Float> {
        if count == 16 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }
        var v = SIMD16<Float>()
        for i in 0 ..< count { v[i] = p[i] }
        return v
    }

    @inline(__always)
    static func storeLanes(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        if count == 16 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self); return }
        for i in 0 ..< count { p[i] = v[i] }
    }
}
