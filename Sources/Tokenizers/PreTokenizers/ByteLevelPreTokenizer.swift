import JSON

/// The byte-level pre-tokenizer (GPT-2, LLaMA-3, Qwen): optionally prefixes a space, splits with
/// GPT-2's pattern, and rewrites each word as the table characters of its UTF-8 bytes.
struct ByteLevelPreTokenizer: PreTokenizer {
    let addPrefixSpace: Bool
    let useRegex: Bool

    init(fields: JSONFieldReader) throws {
        addPrefixSpace = try (fields.bool("add_prefix_space") ?? true)
        useRegex = try (fields.bool("use_regex") ?? true)
    }

    func split(_ text: NormalizedText, into words: inout [NormalizedText]) {
        var text = text
        if addPrefixSpace && text.scalars.first != " " { text.prepend([" "]) }
        guard useRegex else {
            words.append(ByteLevelAlphabet.encode(text))
            return
        }
        for piece in GPT2SplitPattern.pieces(of: text.scalars) { words.append(ByteLevelAlphabet.encode(text.slice(piece))) }
    }
}
