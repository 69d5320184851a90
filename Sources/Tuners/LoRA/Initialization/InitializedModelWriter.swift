import FileAccess
import Foundation
import Models

extension PeftModel {
    /// What `lorakit init` writes: `directory/adapter` (PEFT's files) and, when the init changed the
    /// base (PiSSA, OLoRA), `directory/base`, a transformers checkpoint of the changed model with the
    /// adapter saved as `init_lora_weights: true` so that it loads onto that base as it is (PEFT's
    /// recipe: `unload()` + `save_pretrained`). Everything is written to a staging folder beside
    /// `directory` and moved into place at the end, so an interrupted run leaves nothing half-written.
    /// The adapters are unloaded afterwards when the base was written. Returns whether it was.
    @discardableResult
    public func writeInitialized(to directory: URL, baseFilesFrom source: URL) throws -> Bool {
        if FileManager.default.fileExists(atPath: directory.path) {
            throw TunerError.invalidConfig(path: directory.path, reason: "already exists; give --out a folder that does not exist yet")
        }
        let changed = configs.values.contains { ($0 as? LoraConfig)?.initLoraWeights.changesBase ?? false }
        let staging = directory.deletingLastPathComponent().appendingPathComponent(".\(directory.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            if changed {
                for (name, config) in configs {
                    guard var lora = config as? LoraConfig else { continue }
                    lora.initLoraWeights = .kaimingUniform
                    configs[name] = lora
                }
            }
            try savePretrained(directory: staging.appendingPathComponent("adapter"))
            if changed { try MergedModelWriter.write(unload(), configFrom: source, to: staging.appendingPathComponent("base")) }
            do {
                try FileManager.default.moveItem(at: staging, to: directory)
            } catch {
                throw TunerError.invalidConfig(path: directory.path, reason: "cannot move the finished output into place: \(FileProblem.writing(directory, error: error))")
            }
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
        return changed
    }
}
