import Foundation

/// How a user names a model on the command line or in a session: a directory holding
/// `config.json` (and weights), or `builtin:NAME` for a model shipped inside lorakit.
public struct ModelReference: Sendable, Equatable, CustomStringConvertible {
    /// The directory the model's files are in.
    public let directory: URL
    /// What the user wrote.
    public let description: String

    /// Resolves `text`; an error says what was wrong and lists the built-in models.
    public init(_ text: String) throws {
        description = text
        if text.hasPrefix("builtin:") {
            let name = String(text.dropFirst("builtin:".count))
            guard let directory = BuiltinAssets.modelDirectory(named: name) else {
                throw ModelError.invalidInput("no built-in model named \(name); built-in models: \(BuiltinAssets.modelNames.joined(separator: ", "))")
            }
            self.directory = directory
        } else {
            let url = URL(fileURLWithPath: (text as NSString).expandingTildeInPath)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ModelError.invalidInput("\(text) is not a directory; give a folder with config.json and model.safetensors, or builtin:NAME")
            }
            directory = url
        }
    }

    /// Loads the model (shapes only with `meta`), its frozen weights kept in `storage`.
    public func load(meta: Bool = false, storage: BaseStorage = .float32) throws -> (model: any PretrainedModel, report: ModelLoader.Report) {
        try ModelLoader.load(directory: directory, meta: meta, storage: storage)
    }
}
