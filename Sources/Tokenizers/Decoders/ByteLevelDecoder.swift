/// The byte-level decoder: maps every token's characters back to the bytes they stand for and
/// reads the bytes as UTF-8 (invalid sequences become U+FFFD), giving one string. A token holding
/// a character outside the byte table (an added token) contributes its own UTF-8 bytes.
struct ByteLevelDecoder: TokenDecoder {
    func decodeChain(_ tokens: [String]) -> [String] {
        var bytes: [UInt8] = []
        for token in tokens {
            bytes.append(contentsOf: ByteLevelAlphabet.bytes(of: token) ?? Array(token.utf8))
        }
        return [String(decoding: bytes, as: UTF8.self)]
    }
}
