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
    /// character keeps the origin of the scalar it came from. A text of ASCII scalars (one byte
    /// each) keeps its origins as they are.
    static func encode(_ text: NormalizedText) -> NormalizedText {
        let table = scalarForByte
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.count)
        for scalar in text.scalars {
            if scalar.isASCII {
                scalars.append(table[Int(scalar.value)])
            } else {
                UTF8.encode(scalar) { byte in scalars.append(table[Int(byte)]) }
            }
        }
        guard scalars.count != text.count else {
            return NormalizedText(scalars: scalars, origins: text.origins, originalStart: text.originalStart)
        }
        var origins: [Int] = []
        origins.reserveCapacity(scalars.count)
        for (scalar, origin) in zip(text.scalars, text.origins) {
            origins.append(contentsOf: repeatElement(origin, count: UTF8.width(scalar)))
        }
        return NormalizedText(scalars: scalars, origins: origins, originalStart: text.originalStart)
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
