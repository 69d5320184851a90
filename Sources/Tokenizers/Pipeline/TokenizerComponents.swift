/// Chooses the implementation of each pipeline stage from its section of `tokenizer.json`, and
/// names what is not supported.
enum TokenizerComponents {
    static func normalizer(_ fields: JSONFields?) throws -> TextNormalizer? {
        guard let fields else { return nil }
        switch try fields.componentType() {
        case "BertNormalizer": return try BertNormalizer(fields: fields)
        case let other: throw fields.unsupported("type", "normalizer \"\(other)\" is not supported (supported: BertNormalizer, null)")
        }
    }

    static func preTokenizer(_ fields: JSONFields?) throws -> PreTokenizer? {
        guard let fields else { return nil }
        switch try fields.componentType() {
        case "BertPreTokenizer": return BertPreTokenizer()
        case "ByteLevel": return try ByteLevelPreTokenizer(fields: fields)
        case let other:
            throw fields.unsupported("type", "pre-tokenizer \"\(other)\" is not supported (supported: BertPreTokenizer, ByteLevel, null)")
        }
    }

    static func model(_ fields: JSONFields) throws -> TokenModel {
        switch try modelType(fields) {
        case "WordPiece": return try WordPieceModel(fields: fields)
        case "BPE": return try BPEModel(fields: fields)
        case let other: throw fields.unsupported("type", "model type \"\(other)\" is not supported (supported: WordPiece, BPE)")
        }
    }

    /// The model's `type`; files that predate the field are recognised by the fields they have.
    private static func modelType(_ fields: JSONFields) throws -> String {
        if let type = try fields.optionalString("type") { return type }
        if !fields.isNull("merges") { return "BPE" }
        if !fields.isNull("max_input_chars_per_word") { return "WordPiece" }
        throw fields.invalid("type", "the model has no type and is neither a WordPiece nor a BPE model")
    }

    static func postProcessor(_ fields: JSONFields?) throws -> PostProcessor? {
        guard let fields else { return nil }
        switch try fields.componentType() {
        case "TemplateProcessing": return try TemplatePostProcessor(templateFields: fields)
        case "BertProcessing": return try TemplatePostProcessor(bertFields: fields)
        case "ByteLevel": return try ByteLevelPostProcessor(fields: fields)
        case let other:
            throw fields.unsupported("type", "post-processor \"\(other)\" is not supported (supported: TemplateProcessing, BertProcessing, ByteLevel, null)")
        }
    }

    static func decoder(_ fields: JSONFields?) throws -> TokenDecoder? {
        guard let fields else { return nil }
        switch try fields.componentType() {
        case "WordPiece": return try WordPieceDecoder(fields: fields)
        case "ByteLevel": return ByteLevelDecoder()
        case let other: throw fields.unsupported("type", "decoder \"\(other)\" is not supported (supported: WordPiece, ByteLevel, null)")
        }
    }
}
