import FixtureSupport
import Foundation
import Models
import Testing

/// `lorakit combine` and `lorakit intruders` as a user runs them: the written adapter folders have
/// PEFT's layout and config, and `lorakit forward` on them gives PEFT's logits.
@Suite struct AdapterArithmeticBinaryTests {
    static let weightedCases = ["weighted_linear", "weighted_cat", "weighted_svd", "weighted_ties", "weighted_ties_svd", "weighted_magnitude_prune"]

    /// The `--flag value` arguments for the case's `add_weighted_adapter` keyword arguments.
    static func combineFlags(_ fixture: FixtureCase) -> [String] {
        let kwargs = fixture.caseInfo["add_weighted_adapter_kwargs"] as? [String: Any] ?? [:]
        let names = ["density": "--density", "majority_sign_method": "--majority-sign", "svd_rank": "--svd-rank", "svd_clamp": "--svd-clamp"]
        return kwargs.sorted { $0.key < $1.key }.flatMap { key, value in [names[key] ?? "--\(key)", "\(value)"] }
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    @Test(arguments: weightedCases)
    func combineWritesPeftsAdapterAndForwardGivesItsLogits(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder()
        let adapters = try #require(fixture.caseInfo["adapters"] as? [String: [String: Any]])
        let base = fixture.directory.appendingPathComponent("base"), out = scratch.url.appendingPathComponent("combined")
        let weights = try #require(fixture.caseInfo["weights"] as? [Double])
        var arguments = ["combine", "--model", base.path]
        for adapter in ["first", "second"] {
            let folder = try #require(adapters[adapter]?["folder"] as? String)
            arguments += ["--adapter", "\(adapter)=\(fixture.directory.appendingPathComponent(folder).path)"]
        }
        arguments += ["--weights", weights.map { "\($0)" }.joined(separator: ","), "--type", try #require(fixture.caseInfo["combination_type"] as? String)]
        let result = try LorakitBinary.run(arguments + Self.combineFlags(fixture) + ["--out", out.path])
        #expect(result.status == 0, "\(name): \(result.error)")
        let expected = try #require(fixture.expectedJSON["combined"] as? [String: Any])
        for (module, rank) in try #require(expected["per_module_rank"] as? [String: Int]) {
            #expect(result.output.split(separator: "\n").contains { $0.hasPrefix(module) && $0.contains("rank \(rank) ") }, "\(module)")
        }
        let config = try Self.json(out.appendingPathComponent("adapter_config.json"))
        #expect(config["r"] as? Int == expected["r"] as? Int)
        #expect((config["lora_alpha"] as? NSNumber)?.doubleValue == (expected["lora_alpha"] as? NSNumber)?.doubleValue)
        #expect((config["target_modules"] as? [String])?.sorted() == expected["target_modules"] as? [String])
        let peftFolder = fixture.directory.appendingPathComponent("adapter")
        #expect(try Self.json(peftFolder.appendingPathComponent("adapter_config.json")).keys.sorted() == config.keys.sorted())
        let written = try SafeTensorsFile(contentsOf: out.appendingPathComponent("adapter_model.safetensors"))
        let peft = try SafeTensorsFile(contentsOf: peftFolder.appendingPathComponent("adapter_model.safetensors"))
        #expect(written.names.sorted() == peft.names.sorted())
        for tensor in peft.names { #expect(written.info(named: tensor)?.shape == peft.info(named: tensor)?.shape) }

        let logits = try LorakitBinary.forward(fixture, model: base, ["--adapter", out.path], scratch: scratch)
        #expect(try fixture.mismatch(logits.tensor(named: "logits"), expectedName: "logits_adapted") == nil)
    }

    @Test func combineRefusesBadInputWithAMessage() throws {
        let fixture = try FixtureCase("weighted_linear"), scratch = try ScratchFolder()
        let base = ["combine", "--model", fixture.directory.appendingPathComponent("base").path,
                    "--adapter", fixture.directory.appendingPathComponent("adapter_first").path,
                    "--adapter", fixture.directory.appendingPathComponent("adapter_second").path, "--out", scratch.url.appendingPathComponent("x").path]
        for (extra, message) in [(["--weights", "1"], "one weight per --adapter"), (["--weights", "1,x"], "is not a number"),
                                 (["--weights", "1,1", "--type", "average"], "Invalid combination_type"),
                                 (["--weights", "1,1", "--type", "ties"], "needs a density"),
                                 (["--weights", "1,1", "--majority-sign", "most"], "total or frequency")] {
            let result = try LorakitBinary.run(base + extra)
            #expect(result.status != 0 && result.error.contains(message), "\(extra): \(result.error)")
            #expect(!result.error.contains("Fatal error"))
        }
    }

    @Test func intrudersWritesTheReducedAdapterAndListsTheDimensions() throws {
        let fixture = try FixtureCase("intruders_llama"), scratch = try ScratchFolder()
        let call = try #require(fixture.caseInfo["call"] as? [String: Any])
        let base = fixture.directory.appendingPathComponent("base"), out = scratch.url.appendingPathComponent("reduced")
        let result = try LorakitBinary.run(["intruders", "--model", base.path, "--adapter", fixture.directory.appendingPathComponent("adapter").path,
                                            "--out", out.path, "--top-k", "\(call["top_k"]!)", "--epsilon", "\(call["threshold_epsilon"]!)",
                                            "--lambda", "\(call["mitigation_lambda"]!)"])
        #expect(result.status == 0, "\(result.error)")
        let json = try fixture.expectedJSON
        for line in try #require(json["log"] as? [String]) { #expect(result.output.contains(line)) }
        let lines = result.output.split(separator: "\n")
        for (module, dimensions) in try #require(json["intruders"] as? [String: [Int]]) {
            let line = try #require(lines.first { $0.hasPrefix(module + " ") })
            let listed = line.dropFirst(module.count).split(separator: ",").compactMap { Int($0.split(separator: " ").first ?? "") }
            #expect(listed == dimensions, "\(line)")
        }
        let logits = try LorakitBinary.forward(fixture, model: base, ["--adapter", out.path], scratch: scratch)
        #expect(try fixture.mismatch(logits.tensor(named: "logits"), expectedName: "logits_reduced") == nil)
        let written = try SafeTensorsFile(contentsOf: out.appendingPathComponent("adapter_model.safetensors"))
        let peft = try SafeTensorsFile(contentsOf: fixture.directory.appendingPathComponent("adapter_reduced/adapter_model.safetensors"))
        #expect(written.names.sorted() == peft.names.sorted())
    }
}

/// `lorakit forward --arrow` on PEFT's Arrow cases.
@Suite struct ArrowBinaryTests {
    @Test(arguments: ["arrow_llama", "arrow_gks_llama"])
    func forwardRoutesOverTheExpertsAsPeft(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder()
        let arrow = try #require(fixture.caseInfo["arrow_config"] as? [String: Any])
        func folders(_ key: String) -> [String] {
            ((fixture.caseInfo[key] as? [String: [String: Any]]) ?? [:]).compactMap { $0.value["folder"] as? String }.sorted()
        }
        var extra = ["--arrow-top-k", "\(arrow["top_k"]!)", "--arrow-temperature", "\(arrow["router_temperature"]!)"]
        for folder in folders("experts") { extra += ["--arrow", fixture.directory.appendingPathComponent(folder).path] }
        if arrow["use_gks"] as? Bool == true {
            for folder in folders("general_adapters") { extra += ["--arrow-general", fixture.directory.appendingPathComponent(folder).path] }
        }
        let logits = try LorakitBinary.forward(fixture, model: fixture.directory.appendingPathComponent("base"), extra, scratch: scratch)
        #expect(try fixture.mismatch(logits.tensor(named: "logits"), expectedName: "logits_adapted") == nil)
    }
}

/// `lorakit generate --arrow`: generation through the routed model, with a word-level tokenizer
/// whose word `tN` is token N so the case's ids can be typed as a prompt.
@Suite struct ArrowGenerateBinaryTests {
    @Test func generateContinuesWithPeftsRoutedPrediction() throws {
        let fixture = try FixtureCase("arrow_llama"), scratch = try ScratchFolder()
        let base = fixture.directory.appendingPathComponent("base")
        let vocabulary = try #require(try AdapterArithmeticBinaryTests.json(base.appendingPathComponent("config.json"))["vocab_size"] as? Int)
        let vocab = Dictionary(uniqueKeysWithValues: (0 ..< vocabulary).map { ("t\($0)", $0) })
        let tokenizer: [String: Any] = ["version": "1.0", "added_tokens": [], "normalizer": NSNull(), "pre_tokenizer": ["type": "Whitespace"],
                                        "post_processor": NSNull(), "decoder": ["type": "WordPiece", "prefix": "##", "cleanup": true],
                                        "model": ["type": "WordPiece", "unk_token": "t0", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": vocab]]
        let tokenizerFile = scratch.url.appendingPathComponent("tokenizer.json")
        try JSONSerialization.data(withJSONObject: tokenizer).write(to: tokenizerFile)
        let inputs = try SafeTensorsFile(contentsOf: fixture.directory.appendingPathComponent("inputs.safetensors"))
        let length = try #require(inputs.info(named: "input_ids")?.shape[1])
        let prompt = try inputs.integers(named: "input_ids").prefix(length)
        #expect(try inputs.integers(named: "attention_mask").prefix(length).allSatisfy { $0 == 1 })
        let logits = try fixture.expected.tensor(named: "logits_adapted")
        let last = Array(logits.scalars[(length - 1) * vocabulary ..< length * vocabulary])
        let expected = try #require(last.indices.max { last[$0] < last[$1] })
        let text = prompt.map { "t\($0)" }.joined(separator: " ")
        var arguments = ["generate", "--model", base.path, "--tokenizer", tokenizerFile.path, "--prompt", text, "--max-new-tokens", "3",
                         "--arrow-top-k", "\((fixture.caseInfo["arrow_config"] as? [String: Any])?["top_k"] ?? 0)"]
        let experts = ((fixture.caseInfo["experts"] as? [String: [String: Any]]) ?? [:]).compactMap { $0.value["folder"] as? String }.sorted()
        #expect(!experts.isEmpty)
        for expert in experts { arguments += ["--arrow", fixture.directory.appendingPathComponent(expert).path] }
        let result = try LorakitBinary.run(arguments)
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.hasPrefix(text), "\(result.output)")
        #expect(result.output.dropFirst(text.count).split(whereSeparator: \.isWhitespace).first == "t\(expected)", "\(result.output)")
        let both = try LorakitBinary.run(arguments + ["--adapter", fixture.directory.appendingPathComponent("adapter_task_0").path])
        #expect(both.status != 0 && both.error.contains("not both"))
    }
}
