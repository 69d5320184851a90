import FixtureSupport
import Foundation
import Models
import Tensors
import Testing

/// Checkpoints that do not fit the model are refused with the names of the tensors at fault.
@Suite struct CheckpointLoadingTests {
    /// A copy of the tiny LLaMA fixture with its tensors changed by `edit`.
    func brokenCopy(_ edit: (inout [String: Tensor]) -> Void) throws -> URL {
        let source = FixtureCase.root.appendingPathComponent("base_llama/base")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: folder.appendingPathComponent("config.json"))
        let file = try SafeTensorsFile(contentsOf: source.appendingPathComponent("model.safetensors"))
        var tensors = Dictionary(uniqueKeysWithValues: try file.names.map { ($0, try file.tensor(named: $0)) })
        edit(&tensors)
        try SafeTensorsWriter.write(tensors, to: folder.appendingPathComponent("model.safetensors"))
        return folder
    }

    @Test func missingTensorsAreNamed() throws {
        let folder = try brokenCopy { $0["model.layers.1.mlp.up_proj.weight"] = nil; $0["extra.weight"] = Tensor.zeros([2]) }
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try ModelLoader.load(directory: folder)
            Issue.record("a checkpoint without up_proj must be refused")
        } catch let error as ModelError {
            #expect("\(error)".contains("model.layers.1.mlp.up_proj.weight") && "\(error)".contains("extra.weight"))
        }
    }

    @Test func wrongShapesAreNamed() throws {
        let folder = try brokenCopy { $0["model.norm.weight"] = Tensor.zeros([7]) }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: ModelError.shapeMismatch(name: "model.norm.weight", expected: [32], found: [7])) {
            try ModelLoader.load(directory: folder)
        }
    }

    @Test func aMissingConfigIsExplained() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try ModelLoader.load(directory: folder)
            Issue.record("an empty folder must be refused")
        } catch {
            #expect("\(error)".contains("config.json"))
        }
    }
}
