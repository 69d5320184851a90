import Foundation
import Models
import Tensors

/// What `reduceIntruderDimension` found and did, module by module, and the lines PEFT logs.
public struct IntruderReport: Sendable {
    /// One LoRA module.
    public struct Module: Sendable, Equatable {
        public let name: String
        /// For the first `top_k` left singular vectors of `W + ΔW`, the largest `|cosine|` with any
        /// left singular vector of `W`.
        public let cosines: [Float]
        /// Indices (among those vectors) below `threshold_epsilon`: the intruders; empty when the
        /// adapter was copied unchanged.
        public let intruders: [Int]
    }

    public let modules: [Module]
    /// What PEFT passes to `logging_sink`, in order.
    public let log: [String]
}

extension PeftModel {
    /// PEFT's `reduce_intruder_dimension` (as its code computes it; its docstring reads λ the other
    /// way round): adds `newAdapter` with `oldAdapter`'s config; per LoRA module, the first `topK`
    /// left singular vectors of `W + ΔW` whose largest `|cosine|` with the base's are below
    /// `thresholdEpsilon` are intruders, of which the fraction `mitigationLambda` is kept; the new
    /// factors are the rank-r SVD of the mitigated `ΔW / scaling` (modules without intruders are
    /// copied). `newAdapter` is then made active.
    @discardableResult
    public func reduceIntruderDimension(oldAdapter: String = AdapterFiles.defaultAdapterName, newAdapter: String = "intruder_reduced",
                                        topK: Int = 10, thresholdEpsilon: Float = 0.5, mitigationLambda: Float = 0.75) throws -> IntruderReport {
        guard let config = configs[oldAdapter] else { throw TunerError.unknownAdapter(oldAdapter, available: adapterNames) }
        guard config.peftType == .lora else { throw TunerError.invalidState("The provided model is not using LoRA and is therefore not supported.") }
        guard topK >= 0 else { throw TunerError.invalidValue(field: "top_k", reason: "must be 0 or more, got \(topK)") }
        try addAdapter(newAdapter, config: config)
        var modules: [IntruderReport.Module] = [], log: [String] = []
        do {
            for (name, layer) in adapterLayers {
                guard let old = LoraFactors.of(oldAdapter, on: layer), let new = LoraFactors.of(newAdapter, on: layer) else { continue }
                guard (layer as? LoraLinear)?.layout == .outIn else {
                    throw TunerError.notYetSupported("intruder reduction on \(name), a \(layer.baseLayer.typeName) (PEFT 0.21 only handles Linear layers: its Embedding and Conv1D paths give factors of the wrong shape)")
                }
                let module = try GradMode.withoutGradients {
                    try reduceIntruders(in: layer, name: name, oldAdapter: oldAdapter, old: old, new: new, topK: topK, epsilon: thresholdEpsilon, lambda: mitigationLambda)
                }
                log.append("\(AdapterFiles.keyPrefix)\(name): " + (module.intruders.isEmpty ? "No intruders" : "Intruders: \(module.intruders.count)"))
                modules.append(module)
            }
        } catch {
            try? deleteAdapter(newAdapter)
            throw error
        }
        log.append("Enabling new adapter \(newAdapter)")
        try setAdapter(newAdapter)
        return IntruderReport(modules: modules, log: log)
    }

    /// One module of `reduceIntruderDimension`: finds the intruders and writes the new factors.
    private func reduceIntruders(in layer: any AdapterLayer, name: String, oldAdapter: String, old: LoraFactors, new: LoraFactors,
                                 topK: Int, epsilon: Float, lambda: Float) throws -> IntruderReport.Module {
        guard let weight = try layer.baseLayer.parameter("weight")?.value() else { throw TunerError.invalidState("\(name) has no base weight") }
        let merged = try weight + layer.deltaWeight(of: oldAdapter)
        let (scan, mergedSVD) = try IntruderScan.scan(weight: weight, merged: merged, topK: topK, epsilon: epsilon)
        let (cosines, intruders, k) = (scan.cosines, scan.intruders, mergedSVD.s.count)
        guard !intruders.isEmpty else {
            try new.a.assign(old.a.value().copy(), name: "\(name).lora_A")
            try new.b.assign(old.b.value().copy(), name: "\(name).lora_B")
            return .init(name: name, cosines: cosines, intruders: [])
        }
        let (rows, columns) = (merged.shape[0], merged.shape[1])
        let u = mergedSVD.u.scalars, s = mergedSVD.s.scalars, vt = mergedSVD.vt.scalars
        var intruderPart = [Float](repeating: 0, count: rows * columns)
        for i in intruders {
            for row in 0 ..< rows {
                let left = u[row * k + i] * s[i]
                for column in 0 ..< columns { intruderPart[row * columns + column] += left * vt[i * columns + column] }
            }
        }
        let mitigated = try merged + Tensor(shape: [rows, columns], data: intruderPart).scaled(by: lambda - 1)
        let mitigatedDelta = try (mitigated - weight).scaled(by: 1 / old.scaling)
        let (a, b) = try Self.balancedFactors(of: mitigatedDelta, rank: old.a.shape[0], module: name)
        try new.a.assign(a, name: "\(name).lora_A")
        try new.b.assign(b, name: "\(name).lora_B")
        return .init(name: name, cosines: cosines, intruders: intruders)
    }

    /// `A = diag(√S[:r]) Vh[:r]`, `B = U[:, :r] diag(√S[:r])` of `matrix`'s SVD.
    static func balancedFactors(of matrix: Tensor, rank: Int, module: String) throws -> (a: Tensor, b: Tensor) {
        let svd = try Linalg.svd(matrix)
        let (m, n, k) = (matrix.shape[0], matrix.shape[1], svd.s.count)
        guard rank <= k else { throw TunerError.invalidValue(field: "r", reason: "rank \(rank) is more than \(module) can hold (\(m)×\(n))") }
        let u = svd.u.scalars, root = svd.s.scalars.map { $0.squareRoot() }, vt = svd.vt.scalars
        var a = [Float](repeating: 0, count: rank * n), b = [Float](repeating: 0, count: m * rank)
        for i in 0 ..< rank {
            for column in 0 ..< n { a[i * n + column] = root[i] * vt[i * n + column] }
            for row in 0 ..< m { b[row * rank + i] = u[row * k + i] * root[i] }
        }
        return (Tensor(shape: [rank, n], data: a), Tensor(shape: [m, rank], data: b))
    }
}
