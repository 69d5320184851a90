import Foundation

/// Finds the weights of a model folder saved by transformers: the shard index
/// `model.safetensors.index.json` if there is one, otherwise the single `model.safetensors`.
public enum SafeTensorsCheckpoint {
    /// The single-file weights' name.
    public static let singleFileName = "model.safetensors"
    /// The shard index's name.
    public static let indexFileName = "model.safetensors.index.json"

    /// Opens the weights in `directory`, sharded or not.
    public static func open(directory: URL) throws -> any SafeTensorsCollection {
        let index = directory.appendingPathComponent(indexFileName)
        if FileManager.default.fileExists(atPath: index.path) {
            return try ShardedSafeTensors(indexURL: index)
        }
        let single = directory.appendingPathComponent(singleFileName)
        guard FileManager.default.fileExists(atPath: single.path) else {
            throw SafeTensorsError.io(file: directory.path, reason: "the folder holds neither \(singleFileName) nor \(indexFileName)")
        }
        return try SafeTensorsFile(contentsOf: single)
    }
}
