import JSON
import Foundation

/// BERT's normalizer as the `tokenizers` crate implements it, applied scalar by scalar: clean-up
/// (drop NUL, U+FFFD and control characters, turn whitespace into a space), spaces around CJK
/// ideographs, accent stripping (NFD, then drop nonspacing marks) and lower-casing.
struct BertNormalizer: TextNormalizer {
    let cleanText: Bool
    let handleChineseChars: Bool
    let stripAccents: Bool
    let lowercase: Bool

    init(fields: JSONFieldReader) throws {
        cleanText = try (fields.bool("clean_text") ?? true)
        handleChineseChars = try (fields.bool("handle_chinese_chars") ?? true)
        lowercase = try (fields.bool("lowercase") ?? true)
        // `strip_accents: null` follows `lowercase`.
        stripAccents = try fields.bool("strip_accents") ?? lowercase
    }

    func normalize(_ text: inout NormalizedText) {
        text.transform { scalar, output in
            if cleanText {
                if scalar.value == 0 || scalar.value == 0xFFFD || scalar.isBertControl { return }
                if scalar.isTokenizerWhitespace {
                    output.append(" ")
                    return
                }
            }
            if handleChineseChars && scalar.isCJKIdeograph {
                output.append(" ")
                appendFolded(scalar, to: &output)
                output.append(" ")
            } else {
                appendFolded(scalar, to: &output)
            }
        }
    }

    /// Appends `scalar` accent-stripped and lower-cased, as configured.
    private func appendFolded(_ scalar: Unicode.Scalar, to output: inout [Unicode.Scalar]) {
        if scalar.isASCII {
            let isUpper = ("A"..."Z").contains(scalar)
            output.append(lowercase && isUpper ? Unicode.Scalar(scalar.value + 32)! : scalar)
            return
        }
        let pieces = stripAccents
            ? Array(String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars)
                .filter { $0.properties.generalCategory != .nonspacingMark }
            : [scalar]
        for piece in pieces {
            if lowercase {
                output.append(contentsOf: piece.properties.lowercaseMapping.unicodeScalars)
            } else {
                output.append(piece)
            }
        }
    }
}
