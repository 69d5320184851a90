import Tensors

/// A transformer block of a decoder-only model (GPT-2's `GPT2Block`, the LLaMA-like `DecoderLayer`).
protocol DecoderBlock: Module {
    func forward(_ x: Tensor, layerIndex: Int, context: AttentionContext) throws -> Tensor
}

/// What GPT-2 and the LLaMA-like decoders do after their embeddings: run the blocks, apply the
/// final norm, grow the KV cache, and project to logits with `lm_head` when the model has one.
/// Blocks are checkpointed when `GradientCheckpointing` is on.
enum DecoderStack {
    /// `layerContexts`, when given, holds each block's own context (its mask and rotary table, for
    /// models that mix sliding and full attention); `context` serves every block otherwise.
    static func run(_ x: Tensor, model: Module, root: Module, blocks: String, finalNorm: String, hasHead: Bool,
                    context: AttentionContext, layerContexts: [AttentionContext]? = nil, collectHiddenStates: Bool) throws -> ModelOutput {
        var x = x
        var hidden: [Tensor] = collectHiddenStates ? [x] : []
        for (index, (_, block)) in root.child(blocks)!.children.enumerated() {
            let blockContext = layerContexts?[index] ?? context
            let forward = { (input: Tensor) in try (block as! any DecoderBlock).forward(input, layerIndex: index, context: blockContext) }
            x = try context.cache == nil ? GradientCheckpointing.run(block, x, forward) : forward(x)
            if collectHiddenStates { hidden.append(x) }
        }
        x = try root.layer(finalNorm).forward(x)
        if collectHiddenStates { hidden[hidden.count - 1] = x }
        context.cache?.advance(by: context.length)
        let logits = hasHead ? try model.layer("lm_head").forward(x) : nil
        return ModelOutput(logits: logits, lastHiddenState: x, hiddenStates: hidden)
    }
}
