import Models
import Tensors

/// A set of trainable tensors that share a learning rate and a weight decay in the optimizer.
public struct TrainableGroup {
    /// PEFT's name for the group (`groupA`, `embedding`, `groupB`, `groupB_no_decay`), or `all`.
    public var name: String
    public var parameters: [Tensor]
    /// The group's learning rate as a multiple of the recipe's `lr`, or its own rate when `absoluteLearningRate` is set.
    public var lrFactor: Double
    public var absoluteLearningRate: Double?
    /// nil: the recipe's `weight_decay`.
    public var weightDecay: Double?

    public init(name: String, parameters: [Tensor], lrFactor: Double = 1, absoluteLearningRate: Double? = nil, weightDecay: Double? = nil) {
        self.name = name
        self.parameters = parameters
        self.lrFactor = lrFactor
        self.absoluteLearningRate = absoluteLearningRate
        self.weightDecay = weightDecay
    }
}

/// The optimizer groups of a run: one group at `lr`, or with `loraplus_lr_ratio` the four groups of
/// `peft.optimizers.create_loraplus_optimizer`, in its order:
/// - `groupA` at `lr`: everything not below;
/// - `embedding` at `loraplus_lr_embedding`: the tensors of LoRA on an embedding (A and B);
/// - `groupB` at `lr × ratio`: `lora_B` and every 1-D tensor (DoRA magnitudes) that decays;
/// - `groupB_no_decay` at `lr × ratio` with no weight decay: those among them that are biases.
/// Every group but the last decays by `loraplus_weight_decay`; the plain `weight_decay` is unused.
public enum OptimizerGroups {
    /// What LoRA+ makes of one trainable tensor.
    public enum LoraPlusRole: Sendable, Equatable {
        case a, embedding, b, bNoDecay
    }

    /// The role of the tensor `name` of `shape` in LoRA+, from its PEFT parameter name: LoRA's
    /// embedding tensors, `lora_B`, and 1-D tensors, those whose name holds "bias" apart (PEFT's
    /// `decay_parameters` rule).
    public static func loraPlusRole(name: String, shape: [Int]) -> LoraPlusRole {
        let parts = name.split(separator: ".")
        if parts.contains("lora_embedding_A") || parts.contains("lora_embedding_B") { return .embedding }
        guard parts.contains("lora_B") || shape.count == 1 else { return .a }
        return name.contains("bias") ? .bNoDecay : .b
    }

    /// The groups for the trainable tensors `named` under `recipe`.
    public static func make(_ named: [(name: String, parameter: Parameter)], recipe: Recipe) throws -> [TrainableGroup] {
        let tensors = try named.map { (name: $0.name, tensor: try $0.parameter.value()) }
        guard let ratio = recipe.loraplusLrRatio else {
            return [TrainableGroup(name: "all", parameters: tensors.map(\.tensor))]
        }
        func members(_ role: LoraPlusRole) -> [Tensor] {
            tensors.filter { loraPlusRole(name: $0.name, shape: $0.tensor.shape) == role }.map(\.tensor)
        }
        let decay = recipe.loraplusWeightDecay
        return [
            TrainableGroup(name: "groupA", parameters: members(.a), weightDecay: decay),
            TrainableGroup(name: "embedding", parameters: members(.embedding), absoluteLearningRate: recipe.loraplusLrEmbedding, weightDecay: decay),
            TrainableGroup(name: "groupB", parameters: members(.b), lrFactor: ratio, weightDecay: decay),
            TrainableGroup(name: "groupB_no_decay", parameters: members(.bNoDecay), lrFactor: ratio, weightDecay: 0),
        ]
    }
}
