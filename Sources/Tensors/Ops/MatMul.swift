/// How a linear layer stores its weight: PyTorch's `nn.Linear` keeps `[out, in]`; transformers'
/// `Conv1D` (GPT-2) keeps `[in, out]`.
public enum WeightLayout: Sendable {
    /// `[out, in]`, `y = x Wᵀ + b` (`nn.Linear`).
    case outIn
    /// `[in, out]`, `y = x W + b` (transformers' `Conv1D`, PEFT's `fan_in_fan_out`).
    case inOut
}

extension Tensor {
    /// The matrix product of the last two dimensions, `op(self) · op(other)`, where `op` transposes
    /// when asked (BLAS reads the operand transposed; nothing is copied). Leading dimensions are batch
    /// dimensions: equal on both sides, or absent on one side, which is then shared by every batch.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) throws -> Tensor {
        let product = try MatMulShape(self.shape, other.shape, transposeA: transposeSelf, transposeB: transposeOther)
        let out = Tensor.zeros(product.outShape)
        product.forward(self, other, into: out)
        return Tensor.record(out, op: "matmul", inputs: [self, other]) { [self, other] g in
            product.pullback(g, self, other)
        }
    }

    /// A linear layer: `x Wᵀ + b` for an `[out, in]` weight, `x W + b` for an `[in, out]` one, over
    /// the last dimension of `self`. No gradient work is done for an operand that does not require
    /// one: a frozen weight costs no weight-gradient product.
    public func linear(weight: Tensor, bias: Tensor? = nil, layout: WeightLayout = .outIn) throws -> Tensor {
        guard weight.rank == 2 else {
            throw TensorError.shapeMismatch(op: "linear", shapes: [shape, weight.shape], reason: "the weight must be a matrix")
        }
        let (outFeatures, inFeatures) = layout == .outIn ? (weight.shape[0], weight.shape[1]) : (weight.shape[1], weight.shape[0])
        guard rank >= 1, shape.last == inFeatures else {
            throw TensorError.shapeMismatch(op: "linear", shapes: [shape, weight.shape],
                                            reason: "the input's last dimension must be the weight's \(inFeatures) input features")
        }
        if let bias, bias.count != outFeatures || bias.rank != 1 {
            throw TensorError.shapeMismatch(op: "linear", shapes: [weight.shape, bias.shape], reason: "the bias must be a vector of \(outFeatures)")
        }
        let rows = count / Swift.max(inFeatures, 1)
        let out = Tensor.make(shape: Array(shape.dropLast()) + [outFeatures]) { y in
            withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    if let bias {
                        bias.withUnsafeBufferPointer { b in
                            for r in 0 ..< rows { (y.baseAddress! + r * outFeatures).update(from: b.baseAddress!, count: outFeatures) }
                        }
                    }
                    Kernels.gemm(transposeB: layout == .outIn, m: rows, n: outFeatures, k: inFeatures,
                                 a: x.baseAddress!, b: w.baseAddress!, beta: bias == nil ? 0 : 1, c: y.baseAddress!)
                }
            }
        }
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        let product = LinearProduct(rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, layout: layout)
        return Tensor.record(out, op: "linear", inputs: inputs) { [self] g, inputSum in
            product.pullback(g, input: self, weight: weight, bias: bias, addingInputGradientTo: inputSum)
        }
    }

    /// `sum + input · weightᵀ` for an `[out, in]` weight, stored as the new `sum` (LoRA's
    /// `result + lora_B(h)`). The GEMM accumulates into the sum's storage itself, with no separate
    /// product or addition pass; that storage is reused when nothing else holds `sum`, which the
    /// tape allows because no pullback reads the values of its input sum.
    public static func addLinear(_ input: Tensor, weight: Tensor, to sum: inout Tensor) throws {
        guard weight.rank == 2, input.rank >= 1, input.shape.last == weight.shape[1],
              sum.shape == Array(input.shape.dropLast()) + [weight.shape[0]] else {
            throw TensorError.shapeMismatch(op: "addLinear", shapes: [sum.shape, input.shape, weight.shape],
                                            reason: "expected sum [..., out], input [..., in] and weight [out, in] with matching leading dimensions")
        }
        let product = LinearProduct(rows: input.count / Swift.max(weight.shape[1], 1), inFeatures: weight.shape[1],
                                    outFeatures: weight.shape[0], layout: .outIn)
        let target = isKnownUniquelyReferenced(&sum) && sum.ownsAllStorage ? sum : sum.copy()
        target.withUnsafeMutableBufferPointer { y in
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    Kernels.gemm(transposeB: true, m: product.rows, n: product.outFeatures, k: product.inFeatures,
                                 a: x.baseAddress!, b: w.baseAddress!, beta: 1, c: y.baseAddress!)
                }
            }
        }
        let addend = sum
        sum = Tensor.record(Tensor(shape: target.shape, storage: target.storage, offset: 0), op: "add_linear",
                            inputs: [addend, input, weight]) { g in
            [g] + product.pullback(g, input: input, weight: weight, bias: nil)
        }
    }
}

/// The shapes of a linear layer's product and the GEMMs of its gradients.
struct LinearProduct {
    let rows: Int, inFeatures: Int, outFeatures: Int
    let layout: WeightLayout

    /// The gradients of the input, weight and bias (if any) from the output gradient `g`; no work
    /// for an operand that does not require one. Given `inputSum`, the input's gradient is added
    /// into it in place by the GEMM itself (`beta = 1`), and it is returned as the input's gradient.
    func pullback(_ g: Tensor, input: Tensor, weight: Tensor, bias: Tensor?,
                  addingInputGradientTo inputSum: Tensor? = nil) -> [Tensor?] {
        g.withUnsafeBufferPointer { dy in
            var dx: Tensor?, dw: Tensor?, db: Tensor?
            if input.requiresGrad {
                let product = { (dx: UnsafeMutableBufferPointer<Float>, beta: Float) in
                    weight.withUnsafeBufferPointer { w in
                        Kernels.gemm(transposeB: layout == .inOut, m: rows, n: inFeatures, k: outFeatures,
                                     a: dy.baseAddress!, b: w.baseAddress!, beta: beta, c: dx.baseAddress!)
                    }
                }
                if let inputSum {
                    inputSum.withUnsafeMutableBufferPointer { product($0, 1) }
                    dx = inputSum
                } else {
                    dx = Tensor.make(shape: input.shape) { product($0, 0) }
                }
            }
            if weight.requiresGrad {
                dw = Tensor.make(shape: weight.shape) { dw in
                    input.withUnsafeBufferPointer { x in
                        if layout == .outIn {
                            Kernels.gemm(transposeA: true, m: outFeatures, n: inFeatures, k: rows,
                                         a: dy.baseAddress!, b: x.baseAddress!, c: dw.baseAddress!)
                        } else {
                            Kernels.gemm(transposeA: true, m: inFeatures, n: outFeatures, k: rows,
                                         a: x.baseAddress!, b: dy.baseAddress!, c: dw.baseAddress!)
                        }
                    }
                }
            }
            if let bias, bias.requiresGrad {
                db = Kernels.columnSums(dy, rows: rows, columns: outFeatures)
            }
            return [dx, dw] + (bias == nil ? [] : [db])
        }
    }
}

extension Kernels {
    /// The sums of the columns of a row-major `rows x columns` buffer, as a vector.
    static func columnSums(_ m: UnsafeBufferPointer<Float>, rows: Int, columns: Int) -> Tensor {
        let out = Tensor.zeros([columns])
        out.withUnsafeMutableBufferPointer { sums in
            for r in 0 ..< rows {
                let row = m.baseAddress! + r * columns
                for c in 0 ..< columns { sums[c] += row[c] }
            }
        }
        return out
    }
}

/// The shapes of a (batched) matrix product and the GEMMs that compute it and its gradients.
struct MatMulShape {
    let transposeA: Bool, transposeB: Bool
    /// `op(A)` is `m x k`, `op(B)` is `k x n`.
    let m: Int, n: Int, k: Int
    /// Number of products; `aShared`/`bShared` mark an operand used by every one of them.
    let batch: Int
    let aShared: Bool, bShared: Bool
    let outShape: [Int]

    init(_ a: [Int], _ b: [Int], transposeA: Bool, transposeB: Bool) throws {
        guard a.count >= 2, b.count >= 2 else {
            throw TensorError.shapeMismatch(op: "matmul", shapes: [a, b], reason: "both operands need at least two dimensions")
        }
        let (am, ak) = transposeA ? (a[a.count - 1], a[a.count - 2]) : (a[a.count - 2], a[a.count - 1])
        let (bk, bn) = transposeB ? (b[b.count - 1], b[b.count - 2]) : (b[b.count - 2], b[b.count - 1])
        guard ak == bk else {
            throw TensorError.shapeMismatch(op: "matmul", shapes: [a, b], reason: "inner dimensions \(ak) and \(bk) differ")
        }
        let batchA = Array(a.dropLast(2)), batchB = Array(b.dropLast(2))
        guard batchA == batchB || batchA.isEmpty || batchB.isEmpty else {
            throw TensorError.shapeMismatch(op: "matmul", shapes: [a, b], reason: "batch dimensions \(batchA) and \(batchB) differ")
        }
        let batchShape = batchA.isEmpty ? batchB : batchA
        self.transposeA = transposeA
        self.transposeB = transposeB
        self.outShape = batchShape + [am, bn]
        self.n = bn
        self.k = ak
        if batchB.isEmpty && !transposeA {
            // A shared B: fold A's batch into its rows, one GEMM.
            self.m = am * batchA.reduce(1, *)
            self.batch = 1
            self.aShared = false
            self.bShared = true
        } else {
            self.m = am
            self.batch = batchShape.reduce(1, *)
            self.aShared = batchA.isEmpty
            self.bShared = batchB.isEmpty
        }
    }

    func forward(_ a: Tensor, _ b: Tensor, into out: Tensor) {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    guard pa.count > 0, pb.count > 0 else { return }
                    for i in 0 ..< batch {
                        Kernels.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                     a: pa.baseAddress! + (aShared ? 0 : i * m * k),
                                     b: pb.baseAddress! + (bShared ? 0 : i * k * n),
                                     c: pc.baseAddress! + i * m * n)
                    }
                }
            }
        }
    }

    func pullback(_ g: Tensor, _ a: Tensor, _ b: Tensor) -> [Tensor?] {
        var da: Tensor?, db: Tensor?
        g.withUnsafeBufferPointer { pg in
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    guard pg.count > 0 else { return }
                    if a.requiresGrad {
                        da = Tensor.zeros(a.shape)
                        da!.withUnsafeMutableBufferPointer { pda in
                            for i in 0 ..< batch {
                                let gi = pg.baseAddress! + i * m * n, bi = pb.baseAddress! + (bShared ? 0 : i * k * n)
                                let target = pda.baseAddress! + (aShared ? 0 : i * m * k), beta: Float = aShared && i > 0 ? 1 : 0
                                if transposeA {
                                    Kernels.gemm(transposeA: transposeB, transposeB: true, m: k, n: m, k: n, a: bi, b: gi, beta: beta, c: target)
                                } else {
                                    Kernels.gemm(transposeB: !transposeB, m: m, n: k, k: n, a: gi, b: bi, beta: beta, c: target)
                                }
                            }
                        }
                    }
                    if b.requiresGrad {
                        db = Tensor.zeros(b.shape)
                        db!.withUnsafeMutableBufferPointer { pdb in
                            for i in 0 ..< batch {
                                let gi = pg.baseAddress! + i * m * n, ai = pa.baseAddress! + (aShared ? 0 : i * m * k)
                                let target = pdb.baseAddress! + (bShared ? 0 : i * k * n), beta: Float = bShared && i > 0 ? 1 : 0
                                if transposeB {
                                    Kernels.gemm(transposeA: true, transposeB: transposeA, m: n, n: k, k: m, a: gi, b: ai, beta: beta, c: target)
                                } else {
                                    Kernels.gemm(transposeA: !transposeA, m: k, n: n, k: m, a: ai, b: gi, beta: beta, c: target)
                                }
                            }
                        }
                    }
                }
            }
        }
        return [da, db]
    }
}
