import Foundation
import Tensors

/// `lorakit bench ops`: forward and forward+backward time of each fused op at the sizes of a
/// GPT-2-small-like training batch (4 × 256 tokens, width 768, 12 heads, vocabulary 8192), and
/// LoKr's three ways (`KroneckerPath`) on a projection of the LLaMA 8×512 benchmark.
public struct OpsBenchmark {
    /// One op's timings, in milliseconds (best of several runs).
    public struct Row: Sendable {
        public let name: String
        public let shape: String
        public let forwardMs: Double
        public let forwardBackwardMs: Double
    }

    /// Tokens per batch, model width, heads, sequence length, vocabulary.
    public let tokens = 1024, width = 768, heads = 12, sequence = 256, vocabulary = 8192

    public init() {}

    public func run() throws -> [Row] {
        var g = RandomGenerator(seed: 0)
        func parameter(_ shape: [Int], std: Float = 0.02) -> Tensor {
            let t = Tensor.normal(shape, std: std, generator: &g)
            t.requiresGrad = true
            return t
        }
        let batch = tokens / sequence, headDim = width / heads
        let x = parameter([tokens, width], std: 1)
        let frozen = Tensor.normal([3 * width, width], std: 0.02, generator: &g)
        let weight = parameter([3 * width, width]), bias = parameter([3 * width])
        let conv = parameter([width, 3 * width])
        let gain = parameter([width], std: 1), shift = parameter([width])
        let wide = parameter([tokens, 4 * width], std: 1), up = parameter([tokens, 4 * width], std: 1)
        let q = parameter([batch, heads, sequence, headDim], std: 1)
        let k = parameter([batch, heads, sequence, headDim], std: 1), v = parameter([batch, heads, sequence, headDim], std: 1)
        let kv = parameter([batch, heads / 4, sequence, headDim], std: 1)
        let table = try RotaryTable(dimension: headDim, theta: 10_000, positions: 0 ..< sequence)
        let embeddings = parameter([vocabulary, width])
        let ids = (0 ..< tokens).map { $0 * 7919 % vocabulary }
        let logits = parameter([tokens, vocabulary], std: 1)
        let causal = AttentionMask(causal: true)
        // LoKr on a projection of LLaMA 8×512's benchmark (8 × 256 tokens, 512 × 512, r = 16):
        // factorization(512) = (16, 32), so w1 [16, 16] and w2 [32, 32].
        let lokrInput = parameter([8 * sequence, 512], std: 1), lokrBase = Tensor.normal([512, 512], std: 0.02, generator: &g)
        let w1 = parameter([16, 16]), w2 = parameter([32, 32])
        let lokrShape = "[\(8 * sequence),512]·(W + [16,16]⊗[32,32])ᵀ"

        let cases: [(String, String, () throws -> Tensor)] = [
            ("linear (trainable W)", "[\(tokens),\(width)]·[\(3 * width),\(width)]ᵀ+b", { try x.linear(weight: weight, bias: bias) }),
            ("linear (frozen W)", "[\(tokens),\(width)]·[\(3 * width),\(width)]ᵀ", { try x.linear(weight: frozen) }),
            ("linear Conv1D layout", "[\(tokens),\(width)]·[\(width),\(3 * width)]", { try x.linear(weight: conv, layout: .inOut) }),
            ("layer norm", "[\(tokens),\(width)]", { try x.layerNorm(weight: gain, bias: shift, eps: 1e-5) }),
            ("RMS norm", "[\(tokens),\(width)]", { try x.rmsNorm(weight: gain, eps: 1e-6) }),
            ("GELU tanh", "[\(tokens),\(4 * width)]", { wide.gelu(approximation: .tanh) }),
            ("GELU erf", "[\(tokens),\(4 * width)]", { wide.gelu() }),
            ("SwiGLU", "[\(tokens),\(4 * width)]", { try Tensor.swiglu(gate: wide, up: up) }),
            ("attention causal", "[\(batch),\(heads),\(sequence),\(headDim)]", {
                try Tensor.scaledDotProductAttention(query: q, key: k, value: v, mask: causal) }),
            ("attention GQA 4:1", "kv [\(batch),\(heads / 4),\(sequence),\(headDim)]", {
                try Tensor.scaledDotProductAttention(query: q, key: kv, value: kv, mask: causal) }),
            ("rotary", "[\(batch),\(heads),\(sequence),\(headDim)]", { try q.applyingRotary(table) }),
            ("embedding lookup", "\(tokens) ids of [\(vocabulary),\(width)]", { try embeddings.indexSelect(rows: ids) }),
            ("LoKr factored", lokrShape, {
                var y = try lokrInput.linear(weight: lokrBase)
                try Tensor.addKroneckerLinear(lokrInput, w1, w2, scale: 2, to: &y)
                return y
            }),
            ("LoKr materialised", lokrShape, { try lokrInput.linear(weight: lokrBase + Tensor.kron(w1, w2).scaled(by: 2)) }),
            ("LoKr folded, factored grads", lokrShape, {
                let delta = try GradMode.withoutGradients { try Tensor.kron(w1, w2).scaled(by: 2) }
                return try Tensor.kroneckerFactorGradients(of: lokrInput.linear(weight: lokrBase + delta), input: lokrInput, w1, w2, scale: 2)
            }),
            ("softmax", "[\(tokens),\(vocabulary)]", { try logits.softmax() }),
            ("cross-entropy", "[\(tokens),\(vocabulary)]", { try logits.crossEntropy(targets: ids) }),
        ]
        return try cases.map { name, shape, op in
            let forward = try Timing.best(of: 5) { _ = try GradMode.withoutGradients(op) }
            let both = try Timing.best(of: 5) {
                let out = try op()
                try out.backward(seed: Tensor.ones(out.shape))
            }
            return Row(name: name, shape: shape, forwardMs: forward * 1e3, forwardBackwardMs: both * 1e3)
        }
    }

    /// The rows as a text table.
    public static func format(_ rows: [Row]) -> String {
        var table = TextTable(header: ["op", "shape", "forward ms", "fwd+bwd ms"])
        table.rows = rows.map { [$0.name, $0.shape, String(format: "%.2f", $0.forwardMs), String(format: "%.2f", $0.forwardBackwardMs)] }
        return table.rendered
    }
}
