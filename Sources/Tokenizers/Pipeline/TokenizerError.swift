/// An error from loading a tokenizer: a file that cannot be read, text that is not JSON, or a
/// `tokenizer.json` that asks for something this implementation does not have. Its description
/// names the file, the field and what to do.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadableFile(path: String, reason: String)
    /// The file is not valid JSON, or its top level is not a JSON object.
    case malformedJSON(path: String, reason: String)
    /// The file configures a component (model, normalizer, pre-tokenizer, post-processor, decoder)
    /// or an option that is not implemented.
    case unsupported(path: String, field: String, reason: String)
    /// A field is missing, has the wrong type, or holds a value that cannot be used.
    case invalidField(path: String, field: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "cannot read tokenizer file \(path): \(reason); check the path"
        case let .malformedJSON(path, reason):
            return "\(path) is malformed: \(reason); expected a tokenizer.json as the Hugging Face tokenizers library saves it"
        case let .unsupported(path, field, reason):
            return "\(path): \(field): \(reason)"
        case let .invalidField(path, field, reason):
            return "\(path): \(field): \(reason)"
        }
    }
}
