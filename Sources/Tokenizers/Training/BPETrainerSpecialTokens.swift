extension BPETrainer {
    /// The special tokens a trained tokenizer reserves, in id order: the end-of-text token (which
    /// also serves as beginning-of-sequence and unknown token, as in GPT-2), an optional padding
    /// token, then any others.
    public struct SpecialTokens: Sendable, Equatable {
        /// Marks the end (and the beginning) of a text; id 0.
        public var endOfText: String
        /// Pads batches to equal length; id 1 when present.
        public var padding: String?
        /// Further special tokens, after the others.
        public var additional: [String]

        public init(endOfText: String = "<|endoftext|>", padding: String? = "<pad>", additional: [String] = []) {
            self.endOfText = endOfText
            self.padding = padding
            self.additional = additional
        }

        /// All special tokens in id order.
        public var all: [String] { [endOfText] + (padding.map { [$0] } ?? []) + additional }
    }
}
