import FileAccess
import Foundation

/// The ids that end generation for a model folder, as transformers' `generate` reads them: the
/// `eos_token_id` of `generation_config.json`, or of `config.json` when there is no generation
/// config; one id or a list (Llama 3 lists several).
public enum EndOfSequenceIds {
    public static func read(modelDirectory: URL) throws -> Set<Int> {
        let generation = modelDirectory.appendingPathComponent("generation_config.json")
        let file = FileManager.default.fileExists(atPath: generation.path) ? generation : modelDirectory.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        let data = try FileAccess.data(file, role: "the model's generation config")
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelError.invalidConfig(path: file.path, reason: "it is not a JSON object")
        }
        switch object["eos_token_id"] {
        case nil, is NSNull: return []
        case let id as Int: return [id]
        case let ids as [Int]: return Set(ids)
        default: throw ModelError.invalidConfig(path: file.path, reason: "eos_token_id must be a token id or a list of them")
        }
    }
}
