import Foundation
import Testing
import Workbench

/// Saved adapters load back from the folder `save` was given, and exported models carry their
/// tokenizer, as `save_pretrained` users expect.
@Suite struct AdapterFilesTests {
    @Test func aNamedAdapterSavedAloneLoadsFromTheFolderGivenToSave() throws {
        let session = try TestSession()
        try session.run("config set r 4")
        try session.run("adapter new second")
        let saved = session.folder.appendingPathComponent("saved")
        try session.run("save \(saved.path)")
        #expect(FileManager.default.fileExists(atPath: saved.appendingPathComponent("second/adapter_config.json").path))
        let other = try TestSession()
        let loaded = try other.run("adapter load \(saved.path)")
        #expect(loaded.hasPrefix("loaded default from \(saved.path)/second (active): 4 modules"))
    }

    @Test func aFolderOfSeveralNamedAdaptersNamesThemAndOneWithADefaultLoadsTheDefault() throws {
        let session = try TestSession()
        try session.run("adapter new first")
        try session.run("adapter new second")
        let saved = session.folder.appendingPathComponent("two")
        #expect(try session.run("save \(saved.path)").contains("`adapter load \(saved.path)/NAME` loads one"))
        let other = try TestSession()
        #expect(other.failure("adapter load \(saved.path)").contains("holds several adapters, one per sub-folder (first, second); give one, e.g. \(saved.path)/first"))
        try other.run("adapter load \(saved.path)/first")
        try session.run("adapter new default")
        let withDefault = session.folder.appendingPathComponent("three")
        try session.run("save \(withDefault.path)")
        #expect(try other.run("adapter load \(withDefault.path) top").hasPrefix("loaded top from \(withDefault.path) (active)"))
        #expect(other.failure("adapter load \(session.folder.path)/nowhere").contains("no such folder"))
    }

    @Test func anExportedModelHasItsTokenizerAndLoadsReadyToGenerate() throws {
        let session = try TestSession()
        try session.run("adapter new tuned")
        let exported = session.folder.appendingPathComponent("merged")
        #expect(try session.run("export \(exported.path)").contains("(config.json, tokenizer.json, model.safetensors)"))
        #expect(FileManager.default.fileExists(atPath: exported.appendingPathComponent("tokenizer.json").path))
        let other = try TestSession(loaded: false)
        let loaded = try other.run("load \(exported.path)")
        #expect(!loaded.contains("no tokenizer.json"))
        #expect(try other.run("generate \"A day\" max_new_tokens=2").hasPrefix("A day"))
    }
}
