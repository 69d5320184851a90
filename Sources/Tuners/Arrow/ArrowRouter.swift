import Foundation
import Models
import Tensors

/// PEFT's `ArrowLoraLinearLayer`: the router an Arrow adapter puts in each LoRA Linear holding its
/// experts. While it is the active adapter, each token `x` goes to the `top_k` experts whose
/// prototype (the top right singular vector of the expert's `B·A`) has the largest `|x · prototype|`,
/// weighted by a softmax of those values over the temperature: the layer adds
/// `Σ coeff_e · scaling_e · B_e A_e x`. As in PEFT, the prototypes are built from the experts'
/// weights at the first forward and kept; they are built again when the layer's adapters change.
public final class ArrowRouter {
    /// The experts, by adapter name, in routing order.
    public let experts: [String]
    public let config: ArrowConfig
    private var cache: (adapters: [String], prototypes: Tensor)?

    init(experts: [String], config: ArrowConfig) {
        self.experts = experts
        self.config = config
    }

    /// The experts' prototypes in `layer`, `[E, in]` (unit vectors, signs arbitrary): the cached ones
    /// unless the layer's adapters changed since they were built.
    public func prototypes(in layer: LoraLinear) throws -> Tensor {
        if let cache, cache.adapters == layer.adapterNames { return cache.prototypes }
        let rows = try factors(in: layer).map { expert in try Linalg.svd(expert.b.weight.value().matmul(expert.a.weight.value())).vt.scalars[0 ..< layer.inFeatures] }
        let prototypes = Tensor(shape: [experts.count, layer.inFeatures], data: rows.flatMap { $0 })
        cache = (layer.adapterNames, prototypes)
        return prototypes
    }

    /// Each expert's adapter in `layer`, or an error naming one that was deleted.
    private func factors(in layer: LoraLinear) throws -> [LoraAdapter] {
        try experts.map { name in
            guard let adapter = layer.adapter(name) else {
                throw TunerError.invalidState("the Arrow router over \(experts.joined(separator: ", ")) lost its expert \(name) on \(layer.path); delete the router or load \(name) again")
            }
            return adapter
        }
    }

    /// `[tokens, E]`: each token's coefficient per expert (0 outside its top k).
    func routing(_ tokens: Tensor, prototypes: Tensor) throws -> [Float] {
        let count = experts.count, temperature = Float(config.routerTemperature)
        let similarity = try tokens.matmul(prototypes, transposeOther: true).scalars.map(abs)
        var coefficients = [Float](repeating: 0, count: similarity.count)
        for t in 0 ..< similarity.count / count {
            let row = Array(similarity[t * count ..< (t + 1) * count])
            let chosen = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(config.topK)
            guard let top = chosen.first.map({ row[$0] }) else { continue }
            let weights = chosen.map { Foundation.exp((row[$0] - top) / temperature) }
            let total = weights.reduce(0, +)
            for (e, weight) in zip(chosen, weights) { coefficients[t * count + e] = weight / total }
        }
        return coefficients
    }

    /// What the routed experts add to `layer`'s base output for the input `x`.
    func delta(_ x: Tensor, in layer: LoraLinear) throws -> Tensor {
        let adapters = try factors(in: layer)
        let features = x.shape.last ?? 0, out = layer.outFeatures
        let tokens = try x.reshaped([x.count / max(features, 1), features])
        let coefficients = try routing(tokens, prototypes: prototypes(in: layer))
        var delta = [Float](repeating: 0, count: tokens.shape[0] * out)
        for (e, expert) in adapters.enumerated() {
            let y = try tokens.matmul(expert.a.weight.value(), transposeOther: true).matmul(expert.b.weight.value(), transposeOther: true).scalars
            for t in 0 ..< tokens.shape[0] {
                let c = coefficients[t * adapters.count + e] * expert.scaling
                guard c != 0 else { continue }
                for o in 0 ..< out { delta[t * out + o] += c * y[t * out + o] }
            }
        }
        return Tensor(shape: Array(x.shape.dropLast()) + [out], data: delta)
    }
}
