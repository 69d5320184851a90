import JSON

/// `Lowercase`: every scalar replaced by its Unicode lower-case mapping (Rust's `to_lowercase`).
struct LowercaseNormalizer: TextNormalizer {
    func normalize(_ text: inout NormalizedText) {
        text.transform { scalar, output in
            if scalar.isASCII {
                output.append(("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar)
            } else {
                output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
    }
}

/// `StripAccents`: drops the nonspacing marks (category Mn); meant to follow NFD or NFKD.
struct StripAccentsNormalizer: TextNormalizer {
    func normalize(_ text: inout NormalizedText) {
        text.transform { scalar, output in
            if scalar.properties.generalCategory != .nonspacingMark { output.append(scalar) }
        }
    }
}

/// `Prepend`: puts a prefix (SentencePiece's `▁`) in front of every non-empty text.
struct PrependNormalizer: TextNormalizer {
    let prefix: [Unicode.Scalar]

    init(fields: JSONFieldReader) throws {
        prefix = Array(try fields.required("prepend", fields.string).unicodeScalars)
    }

    func normalize(_ text: inout NormalizedText) {
        text.prepend(prefix)
    }
}

/// `Replace`: every match of a literal or a regex replaced by `content`.
struct ReplaceNormalizer: TextNormalizer {
    let pattern: SplitPattern
    let content: [Unicode.Scalar]

    init(fields: JSONFieldReader) throws {
        pattern = try SplitPattern(fields: fields)
        content = Array(try fields.required("content", fields.string).unicodeScalars)
    }

    func normalize(_ text: inout NormalizedText) {
        text.replace(pattern.matches(in: text.scalars), with: content)
    }

    /// Replaces the matches in each token of a decoder's chain.
    func replace(in token: String) -> String {
        var text = NormalizedText(original: Array(token.unicodeScalars), range: 0..<token.unicodeScalars.count)
        normalize(&text)
        return text.string
    }
}

/// `Strip`: removes whitespace from the left and/or right end.
struct StripNormalizer: TextNormalizer {
    let left: Bool
    let right: Bool

    init(fields: JSONFieldReader) throws {
        left = try (fields.bool("strip_left") ?? true)
        right = try (fields.bool("strip_right") ?? true)
    }

    func normalize(_ text: inout NormalizedText) {
        let leading = left ? text.scalars.prefix(while: \.isTokenizerWhitespace).count : 0
        let trailing = right ? text.scalars[leading...].reversed().prefix(while: \.isTokenizerWhitespace).count : 0
        text.trim(leading: leading, trailing: trailing)
    }
}

/// `Sequence`: the normalizers applied in order.
struct SequenceNormalizer: TextNormalizer {
    let normalizers: [TextNormalizer]

    func normalize(_ text: inout NormalizedText) {
        for normalizer in normalizers { normalizer.normalize(&text) }
    }
}
