import Tensors

/// How TIES elects the sign of each element (`majority_sign_method`): from the sum of the task
/// tensors' values (`total`) or of their signs (`frequency`).
public enum MajoritySignMethod: String, Sendable, CaseIterable {
    case total, frequency
}

/// PEFT's `peft.utils.merge_utils`: ways to merge task tensors of one shape with per-task weights.
/// Every function stacks the tensors along a new first axis, as PEFT does, and returns one tensor
/// of their shape. The DARE functions draw their masks from `generator` (PEFT's `torch.bernoulli`).
public enum TaskMerging {
    /// `task_arithmetic`: `Σ weight_i · tensor_i`.
    public static func taskArithmetic(_ tensors: [Tensor], weights: [Float]) throws -> Tensor {
        try weightedSum(check(tensors, weights), weights)
    }

    /// `magnitude_prune`: each tensor keeps its `int(density · count)` largest-magnitude entries,
    /// then `Σ weight_i · pruned_i`.
    public static func magnitudePrune(_ tensors: [Tensor], weights: [Float], density: Double) throws -> Tensor {
        let pruned = try check(tensors, weights).map { try magnitudePruned($0, density: density) }
        return try weightedSum(pruned, weights)
    }

    /// `ties`: magnitude pruning, a sign elected per element, and the mean of the weighted entries
    /// that carry that sign.
    public static func ties(_ tensors: [Tensor], weights: [Float], density: Double,
                            majoritySignMethod: MajoritySignMethod = .total) throws -> Tensor {
        let pruned = try check(tensors, weights).map { try magnitudePruned($0, density: density) }
        return try disjointMerge(pruned, weights: weights, method: majoritySignMethod)
    }

    /// `dare_linear`: each entry kept with probability `density` and rescaled by `1 / density`,
    /// then `Σ weight_i · pruned_i`.
    public static func dareLinear(_ tensors: [Tensor], weights: [Float], density: Double,
                                  generator: inout RandomGenerator) throws -> Tensor {
        var pruned: [Tensor] = []
        for tensor in try check(tensors, weights) { pruned.append(try randomPruned(tensor, density: density, generator: &generator)) }
        return try weightedSum(pruned, weights)
    }

    /// `dare_ties`: DARE's random pruning with rescale, then TIES' sign election and disjoint mean.
    public static func dareTies(_ tensors: [Tensor], weights: [Float], density: Double,
                                majoritySignMethod: MajoritySignMethod = .total,
                                generator: inout RandomGenerator) throws -> Tensor {
        var pruned: [Tensor] = []
        for tensor in try check(tensors, weights) { pruned.append(try randomPruned(tensor, density: density, generator: &generator)) }
        return try disjointMerge(pruned, weights: weights, method: majoritySignMethod)
    }

    /// PEFT's `prune(method="magnitude")`: keeps the `int(density · count)` largest magnitudes. A
    /// density of 1 or more keeps the tensor as it is; a negative one is refused.
    static func magnitudePruned(_ tensor: Tensor, density: Double) throws -> Tensor {
        guard try needsPruning(density) else { return tensor }
        var values = tensor.scalars
        let keep = Int(density * Double(values.count))
        let order = values.indices.sorted { abs(values[$0]) > abs(values[$1]) || (abs(values[$0]) == abs(values[$1]) && $0 < $1) }
        for index in order.dropFirst(keep) { values[index] = 0 }
        return Tensor(shape: tensor.shape, data: values)
    }

    /// PEFT's `prune(method="random", rescale=True)`: each entry survives a Bernoulli(density) draw
    /// and is divided by `density`.
    static func randomPruned(_ tensor: Tensor, density: Double, generator: inout RandomGenerator) throws -> Tensor {
        guard try needsPruning(density) else { return tensor }
        let p = Float(density)
        var values = tensor.scalars
        for i in values.indices { values[i] = generator.nextUnitFloat() < p ? values[i] / p : 0 }
        return Tensor(shape: tensor.shape, data: values)
    }

    private static func needsPruning(_ density: Double) throws -> Bool {
        guard density >= 0 else { throw TunerError.invalidValue(field: "density", reason: "Density should be >= 0, got \(density)") }
        return density < 1
    }

    /// `Σ weight_i · tensor_i`, summed in task order as `torch.sum(dim=0)` does.
    private static func weightedSum(_ tensors: [Tensor], _ weights: [Float]) throws -> Tensor {
        var sum = [Float](repeating: 0, count: tensors[0].count)
        for (tensor, weight) in zip(tensors, weights) {
            let values = tensor.scalars
            for i in sum.indices { sum[i] += values[i] * weight }
        }
        return Tensor(shape: tensors[0].shape, data: sum)
    }

    /// `calculate_majority_sign_mask` then `disjoint_merge` over the weighted tensors: per element
    /// the sign of the summed values (or signs) wins (`>= 0` is +), and the weighted entries with that
    /// sign are averaged (divided by their count, at least 1).
    private static func disjointMerge(_ tensors: [Tensor], weights: [Float], method: MajoritySignMethod) throws -> Tensor {
        let values = tensors.map(\.scalars)
        var merged = [Float](repeating: 0, count: tensors[0].count)
        for i in merged.indices {
            var magnitude: Float = 0
            for task in values { magnitude += method == .total ? task[i] : sign(task[i]) }
            let elected: Float = magnitude >= 0 ? 1 : -1
            var sum: Float = 0, kept: Float = 0
            for (task, weight) in zip(values, weights) where sign(task[i]) == elected {
                sum += task[i] * weight
                kept += 1
            }
            merged[i] = sum / max(kept, 1)
        }
        return Tensor(shape: tensors[0].shape, data: merged)
    }

    private static func sign(_ x: Float) -> Float { x > 0 ? 1 : x < 0 ? -1 : 0 }

    /// The tensors, once checked to be at least one, all of one shape, with one weight each.
    private static func check(_ tensors: [Tensor], _ weights: [Float]) throws -> [Tensor] {
        guard let first = tensors.first else { throw TunerError.invalidValue(field: "task_tensors", reason: "give at least one tensor to merge") }
        guard weights.count == tensors.count else {
            throw TunerError.invalidValue(field: "weights", reason: "\(tensors.count) tensors need \(tensors.count) weights, got \(weights.count)")
        }
        if let other = tensors.first(where: { $0.shape != first.shape }) {
            throw TunerError.invalidValue(field: "task_tensors", reason: "all tensors must have one shape; got \(first.shape) and \(other.shape)")
        }
        return tensors
    }
}
