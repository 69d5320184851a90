import FileAccess
import Foundation
import Tokenizers

/// Where a tokenizer comes from when something needs one: a `tokenizer.json` the user named, or the
/// one in the model's folder. Nothing is read until a use that needs it (text data, generation,
/// decoded samples) asks, so a model folder without a tokenizer still serves pre-tokenised data.
public struct TokenizerSource: Sendable {
    /// The file to read: the named one, or `tokenizer.json` in the model folder.
    public let file: URL
    /// The folder of the tokenizer, where its `tokenizer_config.json` and chat template are.
    public var directory: URL {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: file.path, isDirectory: &isFolder) && isFolder.boolValue ? file : file.deletingLastPathComponent()
    }

    /// Whether the user named the file (rather than it being the model folder's).
    public let isNamed: Bool
    /// How a user gives a tokenizer where this one is missing, e.g. "set the recipe's `tokenizer:` key".
    public let howToGiveOne: String

    public init(named path: String?, modelDirectory: URL, howToGiveOne: String) {
        if let path {
            file = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        } else {
            file = modelDirectory.appendingPathComponent("tokenizer.json")
        }
        isNamed = path != nil
        self.howToGiveOne = howToGiveOne
    }

    /// The tokenizer, for `purpose` ("training on notes.txt"), which names what needed it when the
    /// file is missing.
    public func load(for purpose: String) throws -> Tokenizer {
        if !isNamed, !FileManager.default.fileExists(atPath: file.path) {
            throw MissingTokenizerError(message:
                "\(purpose) needs a tokenizer, and the model folder \(file.deletingLastPathComponent().path) has no tokenizer.json; "
                    + "\(howToGiveOne), or use a model folder that has one")
        }
        var isFolder: ObjCBool = false
        let path = FileManager.default.fileExists(atPath: file.path, isDirectory: &isFolder) && isFolder.boolValue
            ? file.appendingPathComponent("tokenizer.json") : file
        let data = try FileAccess.data(path, role: "the tokenizer file", advice: "\(howToGiveOne) to a tokenizer.json as Hugging Face tokenizers saves it")
        return try Tokenizer(jsonData: data, sourceName: path.path)
    }

    /// Whether there is a file to load (the named one is always tried, to report what is wrong with it).
    public var isAvailable: Bool { isNamed || FileManager.default.fileExists(atPath: file.path) }
}

/// Something needed a tokenizer and none was given: the message names what needed it and how to give one.
public struct MissingTokenizerError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
