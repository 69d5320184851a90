import Tensors

/// What a model computes, as transformers' task heads: next-token logits, class logits, or hidden
/// states only.
public enum ModelTask: String, Sendable {
    case causalLM = "CAUSAL_LM"
    case sequenceClassification = "SEQ_CLS"
    case featureExtraction = "FEATURE_EXTRACTION"
}

/// A batch of token sequences, all of the same length (pad shorter ones and mask them).
public struct ModelInput {
    /// Token ids, row-major `[batch, length]`.
    public var ids: [Int]
    public var batch: Int
    public var length: Int
    /// 1 for real tokens, 0 for padding, `[batch, length]` (or `[batch, past + length]` with a
    /// KV cache); nil means every token is real.
    public var attentionMask: [Int]?
    /// BERT's segment ids, `[batch, length]`; nil means all 0.
    public var tokenTypeIds: [Int]?

    public init(ids: [Int], batch: Int, length: Int, attentionMask: [Int]? = nil, tokenTypeIds: [Int]? = nil) throws {
        guard batch > 0, length > 0, ids.count == batch * length else {
            throw ModelError.invalidInput("input ids must form a [batch, length] grid; got \(ids.count) ids for batch \(batch) × length \(length)")
        }
        if let tokenTypeIds, tokenTypeIds.count != ids.count {
            throw ModelError.invalidInput("token_type_ids must have the shape of input_ids, [\(batch), \(length)]")
        }
        if let attentionMask, attentionMask.count % batch != 0 || attentionMask.count < ids.count {
            throw ModelError.invalidInput("attention_mask must be [batch, length] = [\(batch), \(length)]")
        }
        self.ids = ids
        self.batch = batch
        self.length = length
        self.attentionMask = attentionMask
        self.tokenTypeIds = tokenTypeIds
    }

    /// Per row, per key position, whether the key is real, over `keyLength` positions (the cached
    /// past plus this input); nil when nothing is masked.
    func keyPadding(keyLength: Int) throws -> [[Bool]]? {
        guard let attentionMask, attentionMask.contains(where: { $0 == 0 }) else { return nil }
        let perRow = attentionMask.count / batch
        guard perRow == keyLength || perRow == length else {
            throw ModelError.invalidInput("attention_mask has \(perRow) positions per row; expected \(length) or \(keyLength) with the cache")
        }
        return (0 ..< batch).map { row in
            let own = attentionMask[(row * perRow) ..< ((row + 1) * perRow)].map { $0 != 0 }
            return [Bool](repeating: true, count: keyLength - perRow) + own
        }
    }
}

/// The outputs of a forward pass.
public struct ModelOutput {
    /// `[batch, length, vocab]` for a causal LM, `[batch, labels]` for classification; nil for a bare model.
    public var logits: Tensor?
    /// The final hidden states `[batch, length, hidden]` (after the final norm for the decoders).
    public var lastHiddenState: Tensor
    /// With `collectHiddenStates`: the embedding output (scaled, for Gemma), then each block's
    /// output; for the decoders the last one is after the final norm, as transformers'
    /// `output_hidden_states`.
    public var hiddenStates: [Tensor]
}

/// A transformer built from a `config.json`: the root of its module tree, with a forward pass.
public protocol PretrainedModel: Module {
    /// The transformers class name (`LlamaForCausalLM`).
    var architecture: String { get }
    /// `config.json`'s `model_type` (`llama`, `gpt2`, `bert`, `qwen3`, `gemma3_text`, ...).
    var modelType: String { get }
    var task: ModelTask { get }
    /// The vocabulary size.
    var vocabularySize: Int { get }
    /// Full names of output layers, which PEFT's "all-linear" leaves out (`lm_head`, `classifier`).
    var outputLayerNames: [String] { get }
    /// Runs the model. With a cache, the input continues the cached sequence and the cache grows.
    func forward(_ input: ModelInput, cache: KVCache?, collectHiddenStates: Bool) throws -> ModelOutput
}

extension PretrainedModel {
    public func forward(_ input: ModelInput) throws -> ModelOutput {
        try forward(input, cache: nil, collectHiddenStates: false)
    }
}

/// Keys and values of past positions, per layer, so that generating a token costs one position.
public final class KVCache {
    var layers: [Int: (key: Tensor, value: Tensor)] = [:]
    /// How many positions are cached.
    public private(set) var length = 0

    public init() {}

    /// Appends this step's keys and values `[B, Hkv, T, D]` for `layer` and returns the full ones.
    func extend(layer: Int, key: Tensor, value: Tensor) throws -> (key: Tensor, value: Tensor) {
        let full: (key: Tensor, value: Tensor)
        if let past = layers[layer] {
            full = (try Tensor.concat([past.key, key], axis: 2), try Tensor.concat([past.value, value], axis: 2))
        } else {
            full = (key, value)
        }
        layers[layer] = (full.key.detached(), full.value.detached())
        return full
    }

    /// Records that a forward pass of `count` new positions finished.
    func advance(by count: Int) { length += count }
}

/// What every attention layer of one forward pass shares.
struct AttentionContext {
    let batch: Int
    let length: Int
    let mask: AttentionMask
    let rotary: RotaryTable?
    let cache: KVCache?
}
