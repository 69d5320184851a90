/// The added tokens of a tokenizer: looked up by id and content, and matched in texts, those with
/// `normalized: false` in the original text and the others in the normalized text.
struct AddedVocabulary {
    let tokens: [AddedToken]
    let originalTextMatcher: AddedTokenMatcher
    let normalizedTextMatcher: AddedTokenMatcher
    /// The contents of the special tokens, which `decode` can skip.
    let specialContents: Set<String>
    private let tokenById: [Int: AddedToken]
    private let idByContent: [String: Int]

    init(tokens: [AddedToken], normalizer: TextNormalizer?) {
        self.tokens = tokens
        originalTextMatcher = AddedTokenMatcher(tokens: tokens.filter { !$0.normalized }) {
            Array($0.content.unicodeScalars)
        }
        normalizedTextMatcher = AddedTokenMatcher(tokens: tokens.filter(\.normalized)) { token in
            var text = NormalizedText(original: Array(token.content.unicodeScalars), range: 0..<token.content.unicodeScalars.count)
            normalizer?.normalize(&text)
            return text.scalars
        }
        specialContents = Set(tokens.filter(\.special).map(\.content))
        tokenById = Dictionary(tokens.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        idByContent = Dictionary(tokens.map { ($0.content, $0.id) }, uniquingKeysWith: { _, last in last })
    }

    func token(forId id: Int) -> AddedToken? { tokenById[id] }

    func id(forContent content: String) -> Int? { idByContent[content] }
}
