import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// `save_pretrained` writes what PEFT writes (same keys, shapes, dtypes, config keys) and what it
/// writes loads back to the same outputs.
@Suite struct SaveLoadTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-tuners-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Name → (dtype, shape) of a safetensors file.
    static func layout(_ url: URL) throws -> [String: String] {
        let file = try SafeTensorsFile(contentsOf: url)
        return Dictionary(uniqueKeysWithValues: file.tensorInfos.map { ($0.name, "\($0.dtype.rawValue)\($0.shape)") })
    }

    /// The top-level keys of an `adapter_config.json`.
    static func configKeys(_ url: URL) throws -> [String] {
        try (JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]).keys.sorted()
    }

    @Test(arguments: ["lora_llama_qv", "lora_gpt2_c_attn", "lora_llama_all_linear", "lora_llama_patterns", "lora_gpt2_bias_all",
                      "lora_gpt2_bias_lora_only", "lora_gpt2_lora_bias", "lora_llama_embedding", "lora_bert_seq_cls", "dora_gpt2", "lora_gpt2_wte"])
    func savedAdapterHasPeftsLayoutAndReloadsToTheSameOutput(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let peft = try fixture.loadAdapted()
        let adapted = try fixture.output(of: peft)
        let out = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        try peft.savePretrained(directory: out)
        let original = fixture.folder("adapter")
        #expect(try Self.layout(out.appendingPathComponent(AdapterFiles.weightsFileName)) == Self.layout(original.appendingPathComponent(AdapterFiles.weightsFileName)))
        #expect(try SafeTensorsFile(contentsOf: out.appendingPathComponent(AdapterFiles.weightsFileName)).metadata == ["format": "pt"])
        #expect(try Self.configKeys(out.appendingPathComponent(AdapterFiles.configFileName)) == Self.configKeys(original.appendingPathComponent(AdapterFiles.configFileName)))
        let saved = try LoraConfig(contentsOf: out.appendingPathComponent(AdapterFiles.configFileName))
        let reference = try LoraConfig(contentsOf: original.appendingPathComponent(AdapterFiles.configFileName))
        #expect(saved.inferenceMode && saved.fanInFanOut == reference.fanInFanOut && saved.r == reference.r)
        if case let .names(names)? = saved.targetModules, case let .names(expected)? = reference.targetModules {
            #expect(Set(names) == Set(expected))
        } else {
            #expect(saved.targetModules == reference.targetModules)
        }
        let reloaded = try PeftModel.fromPretrained(fixture.loadBase(), directory: out)
        let again = try fixture.output(of: reloaded)
        #expect(again.scalars == adapted.scalars)
    }

    @Test func namedAdaptersAreSavedInSubfolders() throws {
        let fixture = try FixtureCase("multi_adapter_llama")
        let adapters = try MultiAdapterTests.adapters(fixture)
        let peft = try PeftModel.fromPretrained(fixture.loadBase(), directory: fixture.folder(adapters[0].folder))
        try peft.loadAdapter(directory: fixture.folder(adapters[1].folder), name: adapters[1].name)
        let out = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        try peft.savePretrained(directory: out)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(AdapterFiles.weightsFileName).path))
        let sub = out.appendingPathComponent(adapters[1].name)
        #expect(try Self.layout(sub.appendingPathComponent(AdapterFiles.weightsFileName))
            == Self.layout(fixture.folder(adapters[1].folder).appendingPathComponent(AdapterFiles.weightsFileName)))
    }

    @Test func configRoundTripKeepsUnknownKeysAndReportsThemOnce() throws {
        let fixture = try FixtureCase("lora_llama_qv")
        let original = try Data(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName))
        var object = try JSONSerialization.jsonObject(with: original) as! [String: Any]
        object["from_a_newer_peft"] = ["nested": 1]
        let folder = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try JSONSerialization.data(withJSONObject: object).write(to: folder.appendingPathComponent(AdapterFiles.configFileName))
        try FileManager.default.copyItem(at: fixture.folder("adapter").appendingPathComponent(AdapterFiles.weightsFileName),
                                         to: folder.appendingPathComponent(AdapterFiles.weightsFileName))
        let peft = try PeftModel.fromPretrained(fixture.loadBase(), directory: folder)
        #expect(peft.warnings.filter { $0.contains("from_a_newer_peft") }.count == 1)
        let out = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        try peft.savePretrained(directory: out)
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(AdapterFiles.configFileName))) as! [String: Any]
        #expect((saved["from_a_newer_peft"] as? [String: Int]) == ["nested": 1])
        let text = try String(contentsOf: out.appendingPathComponent(AdapterFiles.configFileName), encoding: .utf8)
        #expect(text.hasPrefix("{\n  \"alora_invocation_tokens\": null,\n"))
    }

    @Test func aFreshConfigWritesEveryPeftKey() throws {
        let fixture = try FixtureCase("lora_llama_qv")
        let out = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        var config = LoraConfig(r: 4, loraAlpha: 16, targetModules: .names(["q_proj", "v_proj"]))
        config.taskType = .causalLM
        try config.write(to: out)
        #expect(try Self.configKeys(out.appendingPathComponent(AdapterFiles.configFileName))
            == Self.configKeys(fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName)))
    }
}

/// `lorakit merge`'s library side: a merged model written as a transformers checkpoint loads back
/// and computes PEFT's merged output.
@Suite struct MergedModelWriterTests {
    @Test(arguments: ["merge_lora_gpt2", "merge_dora_llama"])
    func mergedCheckpointReloadsToPeftsMergedOutput(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let peft = try PeftModel.loading(fixture.loadBase(), adapters: [AdapterReference(fixture.folder("adapter").path)])
        let out = try SaveLoadTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        try MergedModelWriter.write(peft.mergeAndUnload(), configFrom: fixture.folder("base"), to: out)
        let (reloaded, report) = try ModelLoader.load(directory: out)
        #expect(report.unexpected.isEmpty)
        let logits = try GradMode.withoutGradients { try #require(reloaded.forward(fixture.input()).logits) }
        #expect(try fixture.mismatch(logits, expectedName: "logits_merged") == nil)
    }

    @Test func adapterReferencesReadNameEqualsDirectory() throws {
        #expect(try AdapterReference("a=/tmp/x").name == "a")
        #expect(try AdapterReference("/tmp/x").name == nil)
        #expect(throws: TunerError.self) { try AdapterReference("a=") }
    }
}
