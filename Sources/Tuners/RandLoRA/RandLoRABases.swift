import Foundation
import Models
import Tensors

/// RandLoRA's frozen random bases of one adapter, shaped for the largest targeted layer as PEFT's
/// `_find_dim` finds it (the element-wise largest `(out, in)`), with `Dmin` and `Dmax` its smaller
/// and larger side: `randlora_A [r, 1, Dmin]` and `randlora_B [Dmax, ceil(Dmin / r), r]`. Each
/// layer uses its slice. Dense bases are uniform, sparse ones ternary (PEFT's thresholds), and
/// both are divided by their standard deviation, as PEFT does. PEFT's exact values come from torch's
/// generator and `projection_prng_key`; lorakit draws its own, which is why it always saves them.
public struct RandLoRABases {
    public let a: Parameter
    public let b: Parameter

    /// Bases for `targets` under `config`, drawn from `generator`.
    init(config: RandLoRAConfig, targets: [(key: String, module: Module)], generator: inout RandomGenerator) throws {
        let shapes = targets.compactMap { Self.weightShape(of: $0.module) }
        guard let first = shapes.first else {
            throw TunerError.noMatchingModules("No layers types compatible with RandLora were found. Please check `peft_config.target_modules`.")
        }
        let largest = shapes.reduce(first) { (max($0.out, $1.out), max($0.in, $1.in)) }
        let (maxDim, minDim) = (max(largest.out, largest.in), min(largest.out, largest.in))
        let bases = Self.numberOfBases(minDim: minDim, r: config.r)
        let aShape = [config.r, 1, minDim], bShape = [maxDim, bases, config.r]
        try SharedAdapterTensor.checkSize(aShape, field: "r", what: "randlora_A")
        try SharedAdapterTensor.checkSize(bShape, field: "r", what: "randlora_B")
        if config.verySparse || config.sparse {
            let sparsity = config.verySparse ? Foundation.sqrt(Double(minDim)) : 3
            a = Parameter(try Self.ternary(aShape, sparsity: sparsity, generator: &generator))
            b = Parameter(try Self.ternary(bShape, sparsity: sparsity, generator: &generator))
        } else {
            a = Parameter(try Self.standardized(Tensor.uniform(aShape, low: -1, high: 1, generator: &generator)))
            b = Parameter(try Self.standardized(Tensor.uniform(bShape, low: -1, high: 1, generator: &generator)))
        }
    }

    /// PEFT's number of bases for full rank: `ceil(min_dim / r)`.
    static func numberOfBases(minDim: Int, r: Int) -> Int { (minDim + r - 1) / r }

    /// `(out, in)` of a layer RandLoRA can wrap (or already wraps), else nil.
    static func weightShape(of module: Module) -> (out: Int, in: Int)? {
        switch module {
        case let linear as Linear: return (linear.outFeatures, linear.inFeatures)
        case let conv as Conv1D: return (conv.outFeatures, conv.inFeatures)
        case let layer as TunerLayer: return (layer.outFeatures, layer.inFeatures)
        default: return nil
        }
    }

    /// PEFT's sparse bases: -1 below `1 / (2 sparsity)`, +1 above `1 - 1 / (2 sparsity)`, else 0, of
    /// uniform draws in [0, 1).
    private static func ternary(_ shape: [Int], sparsity: Double, generator: inout RandomGenerator) throws -> Tensor {
        let edge = Float(1 / (2 * sparsity))
        let draws = Tensor.uniform(shape, generator: &generator)
        return try standardized(Tensor(shape: shape, data: draws.scalars.map { $0 < edge ? -1 : $0 > 1 - edge ? 1 : 0 }))
    }

    /// `x / x.std()` (torch's unbiased standard deviation).
    private static func standardized(_ x: Tensor) throws -> Tensor {
        let values = x.scalars.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let std = Foundation.sqrt(values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(values.count - 1, 1)))
        guard std > 0 else {
            throw TunerError.invalidValue(field: "very_sparse", reason: "the random bases of shape \(x.shape) came out all zero; use sparse or dense bases, or a smaller r")
        }
        return x.scaled(by: Float(1 / std)).detached()
    }
}
