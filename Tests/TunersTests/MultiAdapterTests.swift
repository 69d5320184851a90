import JSON
import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// `multi_adapter_llama`: two adapters on one model, switched, combined, disabled, merged,
/// unmerged and deleted in PEFT's call sequence.
@Suite struct MultiAdapterTests {
    /// The case's adapters in the order they were added, with their folders (read in file order).
    static func adapters(_ fixture: FixtureCase) throws -> [(name: String, folder: String)] {
        let json = try JSONValue.parse(Data(contentsOf: fixture.directory.appendingPathComponent("case.json")), path: "case.json")
        let members = try #require(json.members?.first { $0.key == "adapters" }?.value.members)
        return try members.map { name, entry in
            guard case let .string(folder)? = entry.members?.first(where: { $0.key == "folder" })?.value else { throw TunerError.invalidState("no folder") }
            return (name, folder)
        }
    }

    /// The base weight of a wrapped module, under its `model.safetensors` name.
    static func baseWeight(_ name: String, in peft: PeftModel) throws -> Tensor {
        let module = String(name.dropLast(".weight".count))
        return try #require(peft.adapterLayers.first { $0.name == module }?.layer.baseLayer.parameter("weight")).value()
    }

    @Test func callSequenceMatchesPeft() throws {
        let fixture = try FixtureCase("multi_adapter_llama")
        let json = try fixture.expectedJSON
        let adapters = try Self.adapters(fixture)
        let (first, second) = (adapters[0].name, adapters[1].name)
        let peft = try PeftModel.fromPretrained(fixture.loadBase(), directory: fixture.folder(adapters[0].folder), adapterName: first, isTrainable: true)
        try peft.loadAdapter(directory: fixture.folder(adapters[1].folder), name: second, isTrainable: true)
        #expect(peft.wrappedModuleNames == json["wrapped_modules"] as? [String])
        let perAdapter = try #require(json["adapters"] as? [String: [String: Any]])
        for (name, _) in adapters {
            try peft.setAdapter(name)
            #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_\(name)") == nil)
            #expect(peft.wrappedModuleNames(of: name) == perAdapter[name]?["wrapped_modules"] as? [String])
            #expect(peft.trainableParameterCounts == fixture.expectedCounts(perAdapter[name]?["trainable_parameters_when_active"]))
        }
        try peft.setAdapters([first, second])
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_both") == nil)
        let disabled = try peft.withAdaptersDisabled { try fixture.output(of: peft) }
        #expect(try fixture.mismatch(disabled, expectedName: "logits_base") == nil)

        try peft.setAdapter(first)
        try peft.mergeAdapter()
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_merged_\(first)") == nil)
        for weight in try fixture.expectedNames(withPrefix: "merged.") {
            #expect(try fixture.mismatch(Self.baseWeight(weight, in: peft), expectedName: "merged.\(weight)") == nil)
        }
        try peft.unmergeAdapter()
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_unmerged_\(first)") == nil)
        for weight in try fixture.expectedNames(withPrefix: "unmerged.") {
            #expect(try fixture.mismatch(Self.baseWeight(weight, in: peft), expectedName: "unmerged.\(weight)") == nil)
        }

        try peft.deleteAdapter(first)
        let auto = try #require(fixture.caseInfo["active_after_delete_auto"] as? [String: Any])
        #expect(peft.activeAdapters == auto["base_model.active_adapters"] as? [String])
        #expect(peft.adapterNames == json["adapters_after_delete"] as? [String])
        #expect(peft.wrappedModuleNames == json["wrapped_modules_after_delete"] as? [String])
        try peft.setAdapters(try #require(fixture.caseInfo["active_after_delete"] as? [String]))
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_after_delete") == nil)
    }

    @Test func deletingTheOnlyActiveAdapterOfTheFirstLayerLeavesNoneActiveUntilOneIsSet() throws {
        let fixture = try FixtureCase("multi_adapter_llama")
        let peft = try PeftModel(model: fixture.loadBase(), config: LoraConfig(r: 2, targetModules: .names(["q_proj"])), adapterName: "a")
        try peft.addAdapter("b", config: LoraConfig(r: 2, targetModules: .names(["down_proj"])))
        try peft.deleteAdapter("a")
        #expect(peft.activeAdapters == [])
        #expect(throws: TunerError.self) { try peft.forward(fixture.input()) }
        try peft.setAdapter("b")
        _ = try GradMode.withoutGradients { try peft.forward(fixture.input()) }
        #expect(peft.wrappedModuleNames.count == 4)
    }

    @Test func mergedAdaptersCannotBeDeleted() throws {
        let fixture = try FixtureCase("multi_adapter_llama")
        let peft = try PeftModel.fromPretrained(fixture.loadBase(), directory: fixture.folder(Self.adapters(fixture)[0].folder), adapterName: "x")
        try peft.mergeAdapter()
        #expect(throws: TunerError.self) { try peft.deleteAdapter("x") }
        #expect(throws: TunerError.self) { try peft.setAdapter("nope") }
    }
}
