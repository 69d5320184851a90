import Foundation
import Testing
import Workbench

/// `save DIR --convert-from INIT_DIR`: an adapter trained from a PiSSA start saved as PEFT's
/// `save_pretrained(path_initial_model_for_weight_conversion=...)` saves it, a rank-2r plain LoRA.
@Suite struct SaveConvertedTests {
    /// `adapter_config.json` of a saved adapter folder.
    static func config(_ folder: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("adapter_config.json"))) as? [String: Any])
    }

    @Test func aPissaAdapterIsSavedAsARank2rLoraAndBadUsesAreRefused() throws {
        let session = try TestSession()
        try session.run("config set r 4")
        try session.run("config set lora_alpha 8")
        try session.run("config set init_lora_weights pissa")
        try session.run("adapter new default")
        let initial = session.folder.appendingPathComponent("initial"), converted = session.folder.appendingPathComponent("converted")
        try session.run("save \(initial.path)")
        #expect(try session.run("save \(converted.path) --convert-from \(initial.path)").contains("plain LoRA of rank 2r"))
        let written = try Self.config(converted)
        #expect((written["r"] as? NSNumber)?.intValue == 8 && (written["lora_alpha"] as? NSNumber)?.doubleValue == 16)
        #expect(written["init_lora_weights"] as? Bool == true)
        #expect(session.failure("save \(converted.path) --convert-from \(initial.path)").contains("exists; the converted adapter goes to a new folder"))
        #expect(session.failure("save \(session.folder.path)/other --convert-from \(session.folder.path)/nowhere").contains("nowhere"))
        #expect(session.failure("save \(session.folder.path)/other --convert").contains("--convert"))
        try session.run("adapter new second")
        #expect(session.failure("save \(session.folder.path)/two --convert-from \(initial.path)").contains("converts one adapter"))
    }
}
