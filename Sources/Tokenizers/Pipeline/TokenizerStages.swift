/// The stages of the tokenizer pipeline, in the order `tokenizer.json` lists them. Each stage is
/// read from its own section of the file; `TokenizerComponents` picks the implementation.

/// Rewrites a text before it is split (clean-up, lower-casing, accent stripping, ...).
protocol TextNormalizer {
    func normalize(_ text: inout NormalizedText)
}

/// Splits normalized text into the words the model tokenizes one at a time.
protocol PreTokenizer {
    /// Appends the words of `text` to `words` (one array for all the words of a text, so a
    /// sequence of pre-tokenizers makes no array per word).
    func split(_ text: NormalizedText, into words: inout [NormalizedText])
}

/// One vocabulary token found by a model inside a word: its id, the scalars of the word it
/// covers, and its string where that is not the vocabulary's spelling of the id (Unigram gives an
/// unknown piece as the text it covers).
struct ModelToken {
    let id: Int
    let range: Range<Int>
    var value: String? = nil
}

/// Maps one word to vocabulary tokens (WordPiece, BPE, Unigram).
protocol TokenModel {
    /// Every token string of the model with its id.
    var vocabulary: [ExactString: Int] { get }
    /// The id of the model's unknown token, if it has one.
    var unknownTokenId: Int? { get }
    func tokenize(_ word: [Unicode.Scalar]) -> [ModelToken]
}

/// Finishes an encoding: adds the special tokens around the sequence or pair of sequences, sets
/// their type ids and adjusts offsets.
protocol PostProcessor {
    /// How many tokens `process` adds to one sequence (`isPair` false) or a pair.
    func addedTokenCount(isPair: Bool) -> Int
    /// The sequences (one, or a pair), each processed; the caller concatenates them.
    func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding]
}

/// Turns a sequence of token strings back into text: each decoder rewrites the list of strings
/// (the crate's `decode_chain`), and the final strings are concatenated.
protocol TokenDecoder {
    func decodeChain(_ tokens: [String]) -> [String]
}
