import JSON

/// Chooses the implementation of each pipeline stage from its section of `tokenizer.json`, and
/// names what is not supported, with the file and the field.
enum TokenizerComponents {
    static let normalizers = ["BertNormalizer", "NFC", "NFD", "NFKC", "NFKD", "Lowercase", "StripAccents", "Prepend", "Replace", "Strip", "Sequence"]
    static let preTokenizers = ["BertPreTokenizer", "ByteLevel", "Split", "Metaspace", "Digits", "Punctuation", "Whitespace", "WhitespaceSplit", "Sequence"]
    static let models = ["BPE", "Unigram", "WordPiece"]
    static let postProcessors = ["TemplateProcessing", "BertProcessing", "RobertaProcessing", "ByteLevel", "Sequence"]
    static let decoders = ["ByteLevel", "ByteFallback", "Fuse", "Strip", "Replace", "Metaspace", "WordPiece", "BPEDecoder", "Sequence"]

    static func normalizer(_ fields: JSONFieldReader?) throws -> TextNormalizer? {
        guard let fields else { return nil }
        switch try fields.componentType() {
        case "BertNormalizer": return try BertNormalizer(fields: fields)
        case "NFC": return UnicodeNormalizer(form: .nfc)
        case "NFD": return UnicodeNormalizer(form: .nfd)
        case "NFKC": return UnicodeNormalizer(form: .nfkc)
        case "NFKD": return UnicodeNormalizer(form: .nfkd)
        case "Lowercase": return LowercaseNormalizer()
        case "StripAccents": return StripAccentsNormalizer()
        case "Prepend": return try PrependNormalizer(fields: fields)
        case "Replace": return try ReplaceNormalizer(fields: fields)
        case "Strip": return try StripNormalizer(fields: fields)
        case "Sequence": return SequenceNormalizer(normalizers: try fields.required("normalizers", fields.arrayOfFields).compactMap(normalizer))
        case let other: throw unsupported(fields, "normalizer", other, normalizers)
        }
    }

    static func preTokenizer(_ fields: JSONFieldReader?) throws -> PreTokenizer? {
        guard let fields else { return nil }
        switch try fields.componentType() {
        case "BertPreTokenizer": return BertPreTokenizer()
        case "ByteLevel": return try ByteLevelPreTokenizer(fields: fields)
        case "Split": return try SplitPreTokenizer(fields: fields)
        case "Metaspace": return try MetaspacePreTokenizer(fields: fields)
        case "Digits": return try DigitsPreTokenizer(fields: fields)
        case "Punctuation": return try PunctuationPreTokenizer(fields: fields)
        case "Whitespace": return WhitespacePreTokenizer()
        case "WhitespaceSplit": return WhitespaceSplitPreTokenizer()
        case "Sequence": return SequencePreTokenizer(preTokenizers: try fields.required("pretokenizers", fields.arrayOfFields).compactMap(preTokenizer))
        case let other: throw unsupported(fields, "pre-tokenizer", other, preTokenizers)
        }
    }

    static func model(_ fields: JSONFieldReader) throws -> TokenModel {
        switch try modelType(fields) {
        case "WordPiece": return try WordPieceModel(fields: fields)
        case "BPE": return try BPEModel(fields: fields)
        case "Unigram": return try UnigramModel(fields: fields)
        case let other: throw unsupported(fields, "model", other, models)
        }
    }

    /// The model's `type`; files that predate the field are recognised by the fields they have.
    private static func modelType(_ fields: JSONFieldReader) throws -> String {
        if let type = try fields.string("type") { return type }
        if !fields.isNull("merges") { return "BPE" }
        if !fields.isNull("max_input_chars_per_word") { return "WordPiece" }
        if !fields.isNull("unk_id") { return "Unigram" }
        throw fields.invalid("type", "the model has no type and is neither a WordPiece, a BPE nor a Unigram model")
    }

    static func postProcessor(_ fields: JSONFieldReader?) throws -> PostProcessor? {
        guard let fields else { return nil }
        switch try fields.componentType() {
        case "TemplateProcessing": return try TemplatePostProcessor(templateFields: fields)
        case "BertProcessing": return try TemplatePostProcessor(bertFields: fields)
        case "RobertaProcessing": return try RobertaPostProcessor(fields: fields)
        case "ByteLevel": return try ByteLevelPostProcessor(fields: fields)
        case "Sequence": return SequencePostProcessor(processors: try fields.required("processors", fields.arrayOfFields).compactMap(postProcessor))
        case let other: throw unsupported(fields, "post-processor", other, postProcessors)
        }
    }

    static func decoder(_ fields: JSONFieldReader?) throws -> TokenDecoder? {
        guard let fields else { return nil }
        switch try fields.componentType() {
        case "WordPiece": return try WordPieceDecoder(fields: fields)
        case "ByteLevel": return ByteLevelDecoder()
        case "ByteFallback": return ByteFallbackDecoder()
        case "Fuse": return FuseDecoder()
        case "Strip": return try StripDecoder(fields: fields)
        case "Replace": return ReplaceDecoder(replace: try ReplaceNormalizer(fields: fields))
        case "Metaspace": return try MetaspaceDecoder(fields: fields)
        case "BPEDecoder": return try BPESuffixDecoder(fields: fields)
        case "Sequence": return SequenceDecoder(decoders: try fields.required("decoders", fields.arrayOfFields).compactMap(decoder))
        case let other: throw unsupported(fields, "decoder", other, decoders)
        }
    }

    private static func unsupported(_ fields: JSONFieldReader, _ stage: String, _ name: String, _ supported: [String]) -> TokenizerError {
        fields.unsupported("type", "\(stage) \"\(name)\" is not supported (supported: \(supported.joined(separator: ", ")))")
    }
}
