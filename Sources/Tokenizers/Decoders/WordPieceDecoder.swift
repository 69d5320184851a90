import JSON
import Foundation

/// The WordPiece decoder: joins `##` pieces to the token before them, puts a space before every
/// other token, and with `cleanup` removes the spaces BERT's tokenization put before punctuation
/// and contractions. As in the `tokenizers` crate, clean-up works on each token separately.
struct WordPieceDecoder: TokenDecoder {
    let prefix: String
    let cleanup: Bool

    /// The crate's clean-up replacements, applied in this order.
    private static let cleanupReplacements: [(String, String)] = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
        (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ]

    init(fields: JSONFieldReader) throws {
        prefix = try fields.string("prefix") ?? "##"
        cleanup = try (fields.bool("cleanup") ?? true)
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { index, token in
            var piece = token
            if index > 0 {
                if piece.unicodeScalars.starts(with: prefix.unicodeScalars) {
                    piece = String(piece.unicodeScalars.dropFirst(prefix.unicodeScalars.count))
                } else {
                    piece = " " + piece
                }
            }
            if cleanup {
                for (target, replacement) in Self.cleanupReplacements {
                    piece = piece.replacingOccurrences(of: target, with: replacement, options: .literal)
                }
            }
            return piece
        }
    }
}
