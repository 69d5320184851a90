/// GPT-2's byte-to-unicode table: every byte is shown as a printable character, so that byte-level
/// BPE can work on strings. Printable Latin-1 bytes stand for themselves; the others (control
/// characters, space, DEL, NBSP, soft hyphen) map to U+0100 and up, in byte order.
enum ByteLevelAlphabet {
    /// `scalarForByte[b]` is the character that stands for byte `b`.
    static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            if printable {
                table[byte] = Unicode.Scalar(UInt32(byte))!
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte each table character stands for.
    static let byteForScalar: [Unicode.Scalar: UInt8] = {
        var inverse: [Unicode.Scalar: UInt8] = [:]
        for (byte, scalar) in scalarForByte.enumerated() { inverse[scalar] = UInt8(byte) }
        return inverse
    }()

    /// The text with every scalar replaced by the table characters of its UTF-8 bytes; each byte
    /// character keeps the origin of the scalar it came from.
    static func encode(_ text: NormalizedText) -> NormalizedText {
        var encoded = text
        encoded.transform { scalar, output in
            UTF8.encode(scalar) { byte in output.append(scalarForByte[Int(byte)]) }
        }
        return encoded
    }

    /// The UTF-8 bytes a token stands for, or `nil` if it holds a character outside the table.
    static func bytes(of token: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        for scalar in token.unicodeScalars {
            guard let byte = byteForScalar[scalar] else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
