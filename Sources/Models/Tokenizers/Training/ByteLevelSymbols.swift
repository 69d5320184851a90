/// The byte-to-character table of GPT-2's byte-level BPE, as the trainer needs it: every byte is
/// shown as a printable character (printable Latin-1 bytes as themselves, the other 68 bytes as
/// U+0100 and up, in byte order), so byte sequences can be merged as strings.
enum ByteLevelSymbols {
    /// `character[b]` is the character that stands for byte `b`.
    static let character: [Unicode.Scalar] = {
        var table: [Unicode.Scalar] = []
        var next: UInt32 = 256
        for byte in UInt32(0) ..< 256 {
            let printable = (33 ... 126).contains(byte) || (161 ... 172).contains(byte) || (174 ... 255).contains(byte)
            if printable {
                table.append(Unicode.Scalar(byte)!)
            } else {
                table.append(Unicode.Scalar(next)!)
                next += 1
            }
        }
        return table
    }()

    /// The 256 bytes in the order of their characters' code points: the order in which the
    /// `tokenizers` trainer numbers its initial alphabet.
    static let bytesInAlphabetOrder: [UInt8] = (0 ... 255).sorted { character[Int($0)].value < character[Int($1)].value }

    /// The token text that stands for `bytes`.
    static func token<Bytes: Sequence>(for bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text = String.UnicodeScalarView()
        for byte in bytes { text.append(character[Int(byte)]) }
        return String(text)
    }
}
