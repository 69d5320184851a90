/// The added tokens of a tokenizer: looked up by id and content, and matched in texts, those with
/// `normalized: false` in the original text and the others, normalized, in the normalized text.
struct AddedVocabulary {
    let originalTextMatcher: AddedTokenMatcher
    let normalizedTextMatcher: AddedTokenMatcher
    /// The contents of the special tokens, which `decode` can skip.
    let specialContents: Set<ExactString>
    /// The token string of each id: the content, normalized for `normalized` tokens (as the crate
    /// gives it back).
    private let stringById: [Int: String]
    private let idByContent: [ExactString: Int]

    init(tokens: [AddedToken], normalizer: TextNormalizer?) {
        func matchedForm(_ token: AddedToken) -> [Unicode.Scalar] {
            let scalars = Array(token.content.unicodeScalars)
            guard token.normalized, let normalizer else { return scalars }
            var text = NormalizedText(original: scalars, range: 0..<scalars.count)
            normalizer.normalize(&text)
            return text.scalars
        }
        originalTextMatcher = AddedTokenMatcher(tokens: tokens.filter { !$0.normalized }, pattern: matchedForm)
        normalizedTextMatcher = AddedTokenMatcher(tokens: tokens.filter(\.normalized), pattern: matchedForm)
        specialContents = Set(tokens.filter(\.special).map { ExactString($0.content) })
        stringById = Dictionary(tokens.map { ($0.id, String(String.UnicodeScalarView(matchedForm($0)))) },
                                uniquingKeysWith: { _, last in last })
        idByContent = Dictionary(tokens.map { (ExactString($0.content), $0.id) }, uniquingKeysWith: { _, last in last })
    }

    func string(forId id: Int) -> String? { stringById[id] }

    func id(forContent content: String) -> Int? { idByContent[ExactString(content)] }
}
