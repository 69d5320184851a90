import FixtureSupport
import Foundation
import Models
import Testing

/// Where generation stops for a model folder: `generation_config.json`'s `eos_token_id` (one or a
/// list), else `config.json`'s; a malformed file is reported with its path.
@Suite struct EndOfSequenceIdsTests {
    @Test func readsTheGenerationConfigElseTheConfig() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-eos-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try EndOfSequenceIds.read(modelDirectory: folder) == [])
        try Data(#"{"eos_token_id": 5}"#.utf8).write(to: folder.appendingPathComponent("config.json"))
        #expect(try EndOfSequenceIds.read(modelDirectory: folder) == [5])
        try Data(#"{"eos_token_id": [128001, 128008, 128009]}"#.utf8).write(to: folder.appendingPathComponent("generation_config.json"))
        #expect(try EndOfSequenceIds.read(modelDirectory: folder) == [128001, 128008, 128009])
        try Data(#"{"eos_token_id": "</s>"}"#.utf8).write(to: folder.appendingPathComponent("generation_config.json"))
        #expect(throws: ModelError.self) { try EndOfSequenceIds.read(modelDirectory: folder) }
        try Data("not json".utf8).write(to: folder.appendingPathComponent("generation_config.json"))
        #expect(throws: ModelError.self) { try EndOfSequenceIds.read(modelDirectory: folder) }
        #expect(try EndOfSequenceIds.read(modelDirectory: FixtureCase.root.appendingPathComponent("base_llama/base")) == [2])
    }
}
