import Foundation
import Models
import Tensors

extension PeftModel {
    /// The inspector's figures for `adapter` on every module that holds it (or only on `modules`),
    /// with the base weights: LoRA's factors give the spectrum without forming `ΔW`, any other
    /// method its delta weight. `before` (adapters and weights) is what `adapter` was made from:
    /// its `Σ wᵢ · ΔWᵢ` is inspected beside it where any of them is present. For DoRA the delta is
    /// the low-rank part `scaling · B · A` (the magnitude rescaling depends on the input's norm).
    public func inspect(_ adapter: String, modules: [String]? = nil, before: [(adapter: String, weight: Double)] = [],
                        topK: Int = 10, epsilon: Float = 0.5) throws -> [ModuleInspection] {
        try requireAdapter(adapter)
        for source in before { try requireAdapter(source.adapter) }
        let layers = adapterLayers.filter { $0.layer.adapterNames.contains(adapter) }
        if let modules, let unknown = modules.first(where: { name in !layers.contains { $0.name == name } }) {
            throw TunerError.invalidValue(field: "module", reason: "\(unknown) holds no adapter \(adapter); it is on \(layers.map(\.name).joined(separator: ", "))")
        }
        return try GradMode.withoutGradients {
            try layers.filter { modules?.contains($0.name) ?? true }.map { name, layer in
                guard !layer.isMerged else {
                    throw TunerError.invalidState("\(name) has \(layer.mergedAdapters.joined(separator: ", ")) merged into its weight; unmerge first to inspect against the base weight")
                }
                let factors = LoraFactors.of(adapter, on: layer)
                let delta = try factors.map { DeltaMatrix.lowRank(b: try $0.b.value(), a: try $0.a.value(), scaling: $0.scaling) }
                    ?? .dense(Self.oriented(layer.deltaWeight(of: adapter), on: layer))
                let sources = try before.filter { layer.adapterNames.contains($0.adapter) }.map { source in
                    try Self.oriented(layer.deltaWeight(of: source.adapter), on: layer).scaled(by: Float(source.weight))
                }
                let rank = factors?.a.shape[0]
                let alpha = try (configs[adapter] as? LoraConfig)?.rankAndAlpha(for: name).alpha
                return try ModuleInspection(
                    module: name, adapter: adapter, delta: delta,
                    base: try layer.baseLayer.parameter("weight").map { try Self.oriented($0.value(), on: layer) },
                    before: sources,
                    rank: rank, alpha: alpha, scaling: factors.map { Double($0.scaling) },
                    parameterCount: layer.adapterParameters(of: adapter).reduce(0) { $0 + $1.parameter.count },
                    topK: topK, epsilon: epsilon)
            }
        }
    }

    /// `matrix`, stored in `layer`'s base layout, as `[out, in]` (`[dim, count]` for an Embedding).
    private static func oriented(_ matrix: Tensor, on layer: any AdapterLayer) throws -> Tensor {
        layer.baseLayer is Conv1D || layer.baseLayer is Embedding ? try matrix.transposed() : matrix
    }
}
