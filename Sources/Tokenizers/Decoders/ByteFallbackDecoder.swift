/// `ByteFallback`: every maximal run of `<0xXX>` byte pieces becomes the UTF-8 string of those
/// bytes, or one U+FFFD per piece if the run is not valid UTF-8; other tokens pass unchanged.
struct ByteFallbackDecoder: TokenDecoder {
    func decodeChain(_ tokens: [String]) -> [String] {
        var result: [String] = []
        var pendingBytes: [UInt8] = []
        func flush() {
            guard !pendingBytes.isEmpty else { return }
            if let string = String(validating: pendingBytes, as: UTF8.self) {
                result.append(string)
            } else {
                result.append(contentsOf: repeatElement("\u{FFFD}", count: pendingBytes.count))
            }
            pendingBytes.removeAll()
        }
        for token in tokens {
            if let byte = Self.byte(of: token) {
                pendingBytes.append(byte)
            } else {
                flush()
                result.append(token)
            }
        }
        flush()
        return result
    }

    /// The byte of a `<0xXX>` piece (hex digits of either case).
    private static func byte(of token: String) -> UInt8? {
        let bytes = Array(token.utf8)
        guard bytes.count == 6, bytes.starts(with: Array("<0x".utf8)), bytes[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: bytes[3..<5], as: UTF8.self), radix: 16)
    }
}
