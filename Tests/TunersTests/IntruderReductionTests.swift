import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// `intruders_llama`: PEFT's `reduce_intruder_dimension` finds the planted intruders, logs what
/// PEFT logs, and the reduced adapter reproduces PEFT's `B·A` and logits.
@Suite struct IntruderReductionTests {
    @Test func reducedAdapterMatchesPeft() throws {
        let fixture = try FixtureCase("intruders_llama")
        let call = try #require(fixture.caseInfo["call"] as? [String: Any])
        let json = try fixture.expectedJSON
        let peft = try PeftModel.fromPretrained(fixture.loadBase(), directory: fixture.folder("adapter"))
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        let newName = try #require(call["new_adapter_name"] as? String)
        let report = try peft.reduceIntruderDimension(
            oldAdapter: try #require(call["old_adapter_name"] as? String), newAdapter: newName,
            topK: try #require(call["top_k"] as? Int), thresholdEpsilon: try #require(call["threshold_epsilon"] as? NSNumber).floatValue,
            mitigationLambda: try #require(call["mitigation_lambda"] as? NSNumber).floatValue)
        #expect(report.log == json["log"] as? [String])
        #expect(report.modules.map(\.name) == json["module_order"] as? [String])
        let intruders = try #require(json["intruders"] as? [String: [Int]])
        #expect(Dictionary(uniqueKeysWithValues: report.modules.map { ($0.name, $0.intruders) }) == intruders)
        for module in report.modules {
            #expect(try fixture.mismatch(Tensor(shape: [module.cosines.count], data: module.cosines), expectedName: "cos_sim.\(module.name)") == nil)
            let layer = try #require(peft.adapterLayers.first { $0.name == module.name }?.layer)
            let factors = try #require(LoraFactors.of(newName, on: layer))
            #expect(try fixture.mismatch(factors.b.value().matmul(factors.a.value()), expectedName: "ba.\(module.name)") == nil)
        }
        #expect(peft.activeAdapters == [try #require(json["active_adapter_after"] as? String)])
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_reduced") == nil)
        let old = try #require(peft.configs["default"] as? LoraConfig), new = try #require(peft.configs[newName] as? LoraConfig)
        #expect(new.r == old.r && new.loraAlpha == old.loraAlpha && new.targetModules == old.targetModules)
        try peft.setAdapter("default")
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
    }

    @Test func onlyLoraAndKnownAdaptersAreReduced() throws {
        let peft = try PeftModel.fromPretrained(FixtureCase("intruders_llama").loadBase(), directory: FixtureCase("intruders_llama").folder("adapter"))
        #expect(throws: TunerError.self) { try peft.reduceIntruderDimension(oldAdapter: "missing") }
        #expect(peft.adapterNames == ["default"])
        let loha = try FixtureCase("loha_llama").loadAdapted()
        let error = try #require(throws: TunerError.self) { try loha.reduceIntruderDimension() }
        #expect("\(error)".contains("not using LoRA"))
    }
}
