import Foundation
import Models
import Tensors

/// A Linear routed over a library of LoRA experts, as PEFT's `ArrowLoraLinearLayer`: each expert's
/// prototype is the top right singular vector of its `B·A`; each token `x` goes to the `top_k`
/// experts with the largest `|x · prototype|`, weighted by a softmax of those values over the
/// temperature: `y = base(x) + Σ coeff_e · scaling_e · B_e A_e x`.
public final class ArrowLinear: Module, TensorLayer {
    /// One expert's factors: `a` `[r, in]`, `b` `[out, r]`.
    struct Expert {
        let a: Tensor
        let b: Tensor
        let scaling: Float
    }

    public let baseLayer: Module
    /// The experts' prototypes, `[E, in]` (unit vectors, signs arbitrary).
    public let prototypes: Tensor
    private let experts: [Expert]
    private let topK: Int
    private let temperature: Float

    init(wrapping base: Module, experts: [Expert], config: ArrowConfig) throws {
        guard base is any TensorLayer else { throw TunerError.invalidState("Arrow routes Linear layers only") }
        baseLayer = base
        self.experts = experts
        topK = config.topK
        temperature = Float(config.routerTemperature)
        prototypes = try Self.prototypes(of: experts)
        super.init(kind: base.kind, typeName: "lora.Linear (arrow)")
        register(base, as: "base_layer")
    }

    /// Row e: the top right singular vector of expert e's `B·A`.
    private static func prototypes(of experts: [Expert]) throws -> Tensor {
        let rows = try experts.map { expert in try Linalg.svd(expert.b.matmul(expert.a)).vt.scalars[0 ..< expert.a.shape[1]] }
        return Tensor(shape: [experts.count, experts[0].a.shape[1]], data: rows.flatMap { $0 })
    }

    /// `[tokens, E]`: each token's coefficient per expert (0 outside its top k).
    func routing(_ tokens: Tensor) throws -> [Float] {
        let count = experts.count
        let similarity = try tokens.matmul(prototypes, transposeOther: true).scalars.map(abs)
        var coefficients = [Float](repeating: 0, count: similarity.count)
        for t in 0 ..< similarity.count / count {
            let row = Array(similarity[t * count ..< (t + 1) * count])
            let chosen = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(topK)
            guard let top = chosen.first.map({ row[$0] }) else { continue }
            let weights = chosen.map { Foundation.exp((row[$0] - top) / temperature) }
            let total = weights.reduce(0, +)
            for (e, weight) in zip(chosen, weights) { coefficients[t * count + e] = weight / total }
        }
        return coefficients
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        let base = try (baseLayer as! any TensorLayer).forward(x)
        let features = x.shape.last ?? 0, out = base.shape.last ?? 0
        let tokens = try x.reshaped([x.count / max(features, 1), features])
        let coefficients = try routing(tokens)
        var delta = [Float](repeating: 0, count: tokens.shape[0] * out)
        for (e, expert) in experts.enumerated() {
            let y = try tokens.matmul(expert.a, transposeOther: true).matmul(expert.b, transposeOther: true).scalars
            for t in 0 ..< tokens.shape[0] {
                let c = coefficients[t * experts.count + e] * expert.scaling
                guard c != 0 else { continue }
                for o in 0 ..< out { delta[t * out + o] += c * y[t * out + o] }
            }
        }
        return try base + Tensor(shape: base.shape, data: delta)
    }
}
