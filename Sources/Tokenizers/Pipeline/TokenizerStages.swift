/// The stages of the tokenizer pipeline, in the order `tokenizer.json` lists them. Each stage is
/// read from its own section of the file; `TokenizerComponents` picks the implementation.

/// Rewrites a text before it is split (clean-up, lower-casing, accent stripping, ...).
protocol TextNormalizer {
    func normalize(_ text: inout NormalizedText)
}

/// Splits normalized text into the words the model tokenizes one at a time.
protocol PreTokenizer {
    func split(_ text: NormalizedText) -> [NormalizedText]
}

/// One vocabulary token found by a model inside a word: its id and the scalars of the word it covers.
struct ModelToken {
    let id: Int
    let range: Range<Int>
}

/// Maps one word to vocabulary tokens (WordPiece, BPE).
protocol TokenModel {
    /// Every token string of the model with its id.
    var vocabulary: [ExactString: Int] { get }
    /// The id of the model's unknown token, if it has one.
    var unknownTokenId: Int? { get }
    func tokenize(_ word: [Unicode.Scalar]) -> [ModelToken]
}

/// Finishes an encoding: adds the special tokens around the sequence and adjusts offsets.
protocol PostProcessor {
    /// How many tokens `process` adds to a single sequence when asked for special tokens.
    var addedTokenCount: Int { get }
    func process(_ encoding: Encoding, addSpecialTokens: Bool) -> Encoding
}

/// Turns a sequence of token strings back into text.
protocol TokenDecoder {
    func decode(_ tokens: [String]) -> String
}
