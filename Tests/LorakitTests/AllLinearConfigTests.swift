import FixtureSupport
import Foundation
import Testing

/// `lorakit init` with `target_modules: "all-linear"` saves the targets as PEFT saves them: the full
/// module names, condensed to minimal suffixes when there are 20 or more (lora_gemma3_all_linear
/// has 21, lora_llama_all_linear 14).
@Suite struct AllLinearConfigTests {
    @Test(arguments: ["lora_gemma3_all_linear", "lora_llama_all_linear"])
    func savedTargetModulesMatchPeft(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder()
        let peftConfig = try #require(fixture.caseInfo["peft_config"] as? [String: Any])
        let config = scratch.url.appendingPathComponent("adapter_config.json")
        try JSONSerialization.data(withJSONObject: peftConfig.merging(["peft_type": "LORA", "task_type": "CAUSAL_LM"]) { $1 }).write(to: config)
        let out = scratch.url.appendingPathComponent("init")
        let result = try LorakitBinary.run(["init", "--model", fixture.directory.appendingPathComponent("base").path,
                                            "--config", config.path, "--out", out.path])
        #expect(result.status == 0, "\(result.error)")
        func targets(_ url: URL) throws -> [String] {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
            return try #require(object?["target_modules"] as? [String])
        }
        let saved = try targets(out.appendingPathComponent("adapter/adapter_config.json"))
        let expected = try targets(fixture.directory.appendingPathComponent("adapter/adapter_config.json"))
        #expect(Set(saved) == Set(expected) && saved.count == expected.count, "\(saved)")
    }
}
