import JSON

/// The byte-level post-processor: adds no tokens; with `trim_offsets` it moves each token's
/// offsets in past leading and trailing spaces (`Ġ`), keeping a first token's added prefix space.
struct ByteLevelPostProcessor: PostProcessor {
    let trimOffsets: Bool
    let addPrefixSpace: Bool

    init(fields: JSONFieldReader) throws {
        trimOffsets = try (fields.bool("trim_offsets") ?? true)
        addPrefixSpace = try (fields.bool("add_prefix_space") ?? true)
    }

    func addedTokenCount(isPair: Bool) -> Int { 0 }

    func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding] {
        guard trimOffsets else { return encodings }
        return encodings.map { Self.trimmingOffsets($0, addPrefixSpace: addPrefixSpace) }
    }

    /// The crate's `process_offsets`: each token's offsets without its leading and trailing spaces.
    static func trimmingOffsets(_ encoding: Encoding, addPrefixSpace: Bool) -> Encoding {
        let space = ByteLevelAlphabet.scalarForByte[Int(UInt8(ascii: " "))]
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == space || $0.isTokenizerWhitespace }
        var result = encoding
        result.mapOffsets { token, index, offsets in
            var leading = token.unicodeScalars.prefix(while: isSpace).count
            let trailing = token.unicodeScalars.reversed().prefix(while: isSpace).count
            var start = offsets.lowerBound
            var end = offsets.upperBound
            if leading > 0 {
                let isFirst = index == 0 || start == 0
                if isFirst && addPrefixSpace && leading == 1 { leading = 0 }
                start = min(start + leading, end)
            }
            if trailing > 0 && end >= trailing { end = max(end - trailing, start) }
            return start..<end
        }
        return result
    }
}
