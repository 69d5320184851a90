import Foundation
import Tensors

/// How `TextGenerator` picks each next token, with transformers' `generate` semantics: greedy when
/// `temperature` is 0, otherwise sampling from the softmax of `logits / temperature` restricted to
/// the `topK` most likely tokens and then to the smallest set whose probability reaches `topP`.
public struct SamplingOptions: Sendable, Equatable {
    public var maxNewTokens: Int
    public var temperature: Float
    /// 0 keeps every token.
    public var topK: Int
    /// 1 keeps every token.
    public var topP: Float
    public var seed: UInt64
    /// Generation ends after any of these (the end-of-sequence ids).
    public var stopTokens: Set<Int>

    public init(maxNewTokens: Int = 50, temperature: Float = 0, topK: Int = 0, topP: Float = 1, seed: UInt64 = 0, stopTokens: Set<Int> = []) {
        self.maxNewTokens = maxNewTokens
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.seed = seed
        self.stopTokens = stopTokens
    }

    /// Checks the ranges, naming the option at fault.
    public func validate() throws {
        guard maxNewTokens >= 0 else { throw ModelError.invalidInput("max-new-tokens must be 0 or more, got \(maxNewTokens)") }
        guard temperature >= 0, temperature.isFinite else { throw ModelError.invalidInput("temperature must be 0 (greedy) or positive, got \(temperature)") }
        guard topK >= 0 else { throw ModelError.invalidInput("top-k must be 0 (off) or positive, got \(topK)") }
        guard topP > 0, topP <= 1 else { throw ModelError.invalidInput("top-p must be in (0, 1], got \(topP)") }
    }
}

/// Continues a token sequence with a causal LM, one position per new token thanks to a KV cache.
public struct TextGenerator {
    public let model: any PretrainedModel

    public init(model: any PretrainedModel) throws {
        guard model.task == .causalLM else {
            throw ModelError.invalidInput("\(model.architecture) does not generate text; load a causal language model")
        }
        self.model = model
    }

    /// The new tokens after `prompt`. `onToken` sees each as it is chosen and may return false to stop.
    public func generate(prompt: [Int], options: SamplingOptions, onToken: (Int) -> Bool = { _ in true }) throws -> [Int] {
        try options.validate()
        guard !prompt.isEmpty else { throw ModelError.invalidInput("the prompt is empty; give at least one token") }
        var generator = RandomGenerator(seed: options.seed)
        let cache = KVCache()
        var produced: [Int] = []
        var next = prompt
        try GradMode.withoutGradients {
            while produced.count < options.maxNewTokens {
                let output = try model.forward(ModelInput(ids: next, batch: 1, length: next.count), cache: cache, collectHiddenStates: false)
                let logits = try output.logits!.slice(0 ..< 1).reshaped([next.count, -1]).slice(next.count - 1 ..< next.count).scalars
                let token = Self.pick(logits, options, &generator)
                produced.append(token)
                guard onToken(token), !options.stopTokens.contains(token) else { break }
                next = [token]
            }
        }
        return produced
    }

    /// The next token from one row of logits.
    static func pick(_ logits: [Float], _ options: SamplingOptions, _ generator: inout RandomGenerator) -> Int {
        guard options.temperature > 0 else { return logits.indices.max { logits[$0] < logits[$1] }! }
        var order = logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        if options.topK > 0 { order = Array(order.prefix(options.topK)) }
        let top = logits[order[0]]
        var weights = order.map { Foundation.exp(Double((logits[$0] - top) / options.temperature)) }
        let total = weights.reduce(0, +)
        if options.topP < 1 {
            var cumulative = 0.0, keep = 0
            repeat {
                cumulative += weights[keep] / total
                keep += 1
            } while keep < weights.count && cumulative < Double(options.topP)
            order = Array(order.prefix(keep))
            weights = Array(weights.prefix(keep))
        }
        var draw = Double(generator.nextUnitFloat()) * weights.reduce(0, +)
        for (index, weight) in zip(order, weights) {
            draw -= weight
            if draw < 0 { return index }
        }
        return order.last!
    }
}
