import JSON

/// The WordPiece model (BERT): splits a word greedily into the longest vocabulary pieces from the
/// left, pieces after the first carrying the continuing prefix (`##`). A word that cannot be split
/// this way, or that is longer than `maxInputCharsPerWord`, becomes the unknown token.
struct WordPieceModel: TokenModel {
    let vocabulary: [ExactString: Int]
    let unknownId: Int
    let continuingPrefix: String
    let maxInputCharsPerWord: Int

    var unknownTokenId: Int? { unknownId }

    init(fields: JSONFieldReader) throws {
        vocabulary = try Vocabulary.read(from: fields)
        let unknownToken = try fields.string("unk_token") ?? "[UNK]"
        unknownId = try Vocabulary.requiredId(of: unknownToken, in: vocabulary, fields: fields, key: "unk_token")
        continuingPrefix = try fields.string("continuing_subword_prefix") ?? "##"
        maxInputCharsPerWord = try fields.int("max_input_chars_per_word") ?? 100
    }

    func tokenize(_ word: [Unicode.Scalar]) -> [ModelToken] {
        let unknown = [ModelToken(id: unknownId, range: 0..<word.count)]
        if word.count > maxInputCharsPerWord { return unknown }
        var pieces: [ModelToken] = []
        var start = 0
        while start < word.count {
            guard let piece = longestPiece(of: word, from: start) else { return unknown }
            pieces.append(piece)
            start = piece.range.upperBound
        }
        return pieces
    }

    /// The longest vocabulary piece of `word` that starts at `start`.
    private func longestPiece(of word: [Unicode.Scalar], from start: Int) -> ModelToken? {
        for end in stride(from: word.count, to: start, by: -1) {
            var candidate = start > 0 ? continuingPrefix : ""
            candidate.unicodeScalars.append(contentsOf: word[start..<end])
            if let id = vocabulary[ExactString(candidate)] { return ModelToken(id: id, range: start..<end) }
        }
        return nil
    }
}
