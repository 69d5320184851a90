import JSON

/// `RobertaProcessing`: `<s> $A </s>`, pair `<s> $A </s> </s> $B </s>`, every type id 0 (RoBERTa
/// has no segments), and with `trim_offsets` the byte-level offset trimming.
struct RobertaPostProcessor: PostProcessor {
    let cls: (token: String, id: Int)
    let sep: (token: String, id: Int)
    let trimOffsets: Bool
    let addPrefixSpace: Bool

    init(fields: JSONFieldReader) throws {
        cls = try TemplatePostProcessor.tokenPair(fields, "cls")
        sep = try TemplatePostProcessor.tokenPair(fields, "sep")
        trimOffsets = try (fields.bool("trim_offsets") ?? true)
        addPrefixSpace = try (fields.bool("add_prefix_space") ?? true)
    }

    func addedTokenCount(isPair: Bool) -> Int { isPair ? 4 : 2 }

    func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding] {
        let trimmed = trimOffsets ? encodings.map { ByteLevelPostProcessor.trimmingOffsets($0, addPrefixSpace: addPrefixSpace) } : encodings
        guard addSpecialTokens else { return trimmed }
        return trimmed.enumerated().map { index, encoding in
            var result = Encoding()
            let opening = index == 0 ? cls : sep
            result.append(id: opening.id, token: opening.token, offsets: 0..<0, typeId: 0, sequenceId: nil)
            var sequence = encoding
            sequence.assign(typeId: 0, sequenceId: index)
            result.append(contentsOf: sequence)
            result.append(id: sep.id, token: sep.token, offsets: 0..<0, typeId: 0, sequenceId: nil)
            return result
        }
    }
}
