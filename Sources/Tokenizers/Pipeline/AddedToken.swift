import JSON

/// A token of `tokenizer.json`'s `added_tokens` list, matched literally in the text before the
/// model sees it, with the crate's matching flags.
struct AddedToken {
    let id: Int
    let content: String
    /// Special tokens (`[CLS]`, `<|endoftext|>`) are left out by `decode(skipSpecialTokens: true)`.
    let special: Bool
    /// Only match where the token is not part of a longer word.
    let singleWord: Bool
    /// Take the whitespace before the match into the token.
    let leftStrip: Bool
    /// Take the whitespace after the match into the token.
    let rightStrip: Bool
    /// Match in the normalized text (with the normalized content) instead of the original.
    let normalized: Bool

    init(fields: JSONFieldReader) throws {
        id = try fields.required("id", fields.int)
        content = try fields.required("content", fields.string)
        guard !content.isEmpty else { throw fields.invalid("content", "an added token cannot be empty") }
        special = try (fields.bool("special") ?? false)
        singleWord = try (fields.bool("single_word") ?? false)
        leftStrip = try (fields.bool("lstrip") ?? false)
        rightStrip = try (fields.bool("rstrip") ?? false)
        normalized = try (fields.bool("normalized") ?? !special)
    }
}
