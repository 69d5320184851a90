import JSON

/// When Metaspace puts its replacement character in front of a piece (`prepend_scheme`).
enum PrependScheme: String {
    /// In front of every piece.
    case always
    /// Only in front of the piece that starts the input.
    case first
    /// Never.
    case never

    init(fields: JSONFieldReader) throws {
        if fields.isNull("prepend_scheme") {
            // Files older than the field have `add_prefix_space`.
            self = try (fields.bool("add_prefix_space") ?? true) ? .always : .never
            return
        }
        let name = try fields.required("prepend_scheme", fields.string)
        guard let scheme = PrependScheme(rawValue: name) else {
            throw fields.unsupported("prepend_scheme", "prepend scheme \"\(name)\" is not supported (supported: always, first, never)")
        }
        self = scheme
    }
}

/// `Metaspace` (SentencePiece): spaces become the replacement character (`▁`), which is put in
/// front of a piece that does not start with it as `prepend_scheme` says; with `split` every `▁`
/// starts a new piece.
struct MetaspacePreTokenizer: PreTokenizer {
    let replacement: Unicode.Scalar
    let prependScheme: PrependScheme
    let splits: Bool

    init(fields: JSONFieldReader) throws {
        replacement = try Self.replacement(fields)
        prependScheme = try PrependScheme(fields: fields)
        splits = try (fields.bool("split") ?? true)
    }

    /// The one-character `replacement` field.
    static func replacement(_ fields: JSONFieldReader) throws -> Unicode.Scalar {
        let replacement = try fields.string("replacement") ?? "▁"
        guard replacement.unicodeScalars.count == 1, let scalar = replacement.unicodeScalars.first else {
            throw fields.invalid("replacement", "expected a single character")
        }
        return scalar
    }

    func split(_ text: NormalizedText, into words: inout [NormalizedText]) {
        var text = text
        text.transform { scalar, output in output.append(scalar == " " ? replacement : scalar) }
        let prepends: Bool
        switch prependScheme {
        case .always: prepends = true
        case .first: prepends = text.originalStart == 0
        case .never: prepends = false
        }
        if prepends && text.scalars.first != replacement { text.prepend([replacement]) }
        guard splits else {
            words.append(text)
            return
        }
        let matches = text.scalars.indices.filter { text.scalars[$0] == replacement }.map { $0..<($0 + 1) }
        SplitBehavior.mergedWithNext.split(text, at: matches, into: &words)
    }
}
