import FixtureSupport
import Foundation
import Models
import Testing

/// `lorakit inspect` as a user runs it, checked against the fixture files: the planted intruders of
/// `intruders_llama`, the config's rank and scaling, PEFT's `‖ΔW‖`.
@Suite struct InspectBinaryTests {
    static func modules(_ output: String) throws -> [String: [String: Any]] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let modules = try #require(object["modules"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: modules.map { ($0["module"] as? String ?? "", $0) })
    }

    @Test func jsonAndTableShowThePlantedIntruders() throws {
        let fixture = try FixtureCase("intruders_llama")
        let adapter = fixture.directory.appendingPathComponent("adapter"), base = fixture.directory.appendingPathComponent("base")
        let config = try AdapterArithmeticBinaryTests.json(adapter.appendingPathComponent("adapter_config.json"))
        let r = try #require(config["r"] as? Int), alpha = try #require(config["lora_alpha"] as? NSNumber).doubleValue
        let expectedIntruders = try #require(fixture.expectedJSON["intruders"] as? [String: [Int]])
        let planted = try #require((fixture.caseInfo["planted"] as? [String: Any])?["modules"] as? [String: Any])

        let result = try LorakitBinary.run(["inspect", adapter.path, "--model", base.path, "--json"])
        #expect(result.status == 0, "\(result.error)")
        let modules = try Self.modules(result.output)
        #expect(Set(modules.keys) == Set(expectedIntruders.keys))
        for (name, module) in modules {
            #expect(module["r"] as? Int == r && (module["scaling"] as? NSNumber)?.doubleValue == alpha / Double(r), "\(name)")
            let delta = try fixture.expected.tensor(named: "delta.\(name)").scalars.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            let norm = try #require((module["delta_norm"] as? NSNumber)?.doubleValue)
            #expect(abs(norm - delta) <= 1e-4 * delta, "\(name): \(norm) vs \(delta)")
            let scan = try #require(module["intruder_scan"] as? [String: Any])
            #expect(scan["intruders"] as? [Int] == expectedIntruders[name], "\(name)")
            #expect((scan["intruders"] as? [Int])?.isEmpty == (planted[name] == nil), "\(name)")
        }

        let table = try LorakitBinary.run(["inspect", adapter.path, "--model", base.path])
        #expect(table.status == 0, "\(table.error)")
        for (name, intruders) in expectedIntruders {
            let line = try #require(table.output.split(separator: "\n").first { $0.hasPrefix(name + " ") })
            #expect(intruders.isEmpty ? line.hasSuffix("none") : line.contains("\(intruders.count): #\(intruders[0]) "), "\(line)")
        }
    }

    @Test func withoutTheBaseModelTheFolderAloneIsInspected() throws {
        let fixture = try FixtureCase("lora_llama_patterns")
        let perModule = try #require(fixture.expectedJSON["per_module"] as? [String: [String: Any]])
        let result = try LorakitBinary.run(["inspect", fixture.directory.appendingPathComponent("adapter").path, "--json"])
        #expect(result.status == 0, "\(result.error)")
        let modules = try Self.modules(result.output)
        #expect(Set(modules.keys) == Set(perModule.keys))
        for (name, expected) in perModule {
            #expect(modules[name]?["r"] as? Int == expected["r"] as? Int, "\(name)")
            #expect((modules[name]?["scaling"] as? NSNumber)?.doubleValue == (expected["scaling"] as? NSNumber)?.doubleValue, "\(name)")
            #expect(modules[name]?["intruder_scan"] == nil && modules[name]?["base_norm"] == nil)
        }
    }

    @Test func aReducedAdapterAgainstItsOriginal() throws {
        let fixture = try FixtureCase("intruders_llama")
        let result = try LorakitBinary.run(["inspect", fixture.directory.appendingPathComponent("adapter_reduced").path,
                                            "--before", fixture.directory.appendingPathComponent("adapter").path, "--json"])
        #expect(result.status == 0, "\(result.error)")
        for (name, module) in try Self.modules(result.output) {
            let before = try #require(module["before"] as? [String: Any])
            let change = try #require((before["relative_change"] as? NSNumber)?.doubleValue)
            // Modules without intruders are copied exactly; the others changed.
            let hadIntruders = !((try fixture.expectedJSON["intruders"] as? [String: [Int]])?[name]?.isEmpty ?? true)
            #expect(hadIntruders ? change > 1e-3 : change < 1e-6, "\(name): \(change)")
        }
    }

    @Test func badInputGetsAMessage() throws {
        let fixture = try FixtureCase("intruders_llama")
        let adapter = fixture.directory.appendingPathComponent("adapter").path
        for (arguments, message) in [(["inspect", "/nonexistent/adapter"], "no such folder"),
                                     (["inspect", adapter, "--module", "model.layers.7.mlp.up_proj"], "the adapter is on"),
                                     (["inspect", adapter, "--before-weights", "1"], "--before"),
                                     (["inspect", adapter, "--before", adapter, "--before-weights", "1,2"], "one each"),
                                     (["inspect", try FixtureCase("loha_llama").directory.appendingPathComponent("adapter").path], "--model")] {
            let result = try LorakitBinary.run(arguments)
            #expect(result.status != 0 && result.error.contains(message), "\(arguments): \(result.error)")
            #expect(!result.error.contains("Fatal error"))
        }
    }
}
