import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// PEFT's AdaLoRA forward case: the saved SVD-form adapter loads onto the base model and reproduces
/// PEFT's adapted, disabled and merged logits, deltas, ranks and counts, and the training loss with
/// the orthogonal regulariser.
@Suite struct AdaLoraForwardParityTests {
    static let name = "adalora_llama_forward"

    @Test func adaptedDisabledAndMergedOutputsMatchPeft() throws {
        let fixture = try FixtureCase(Self.name)
        let peft = try fixture.loadAdapted()
        let json = try fixture.expectedJSON
        #expect(peft.configs["default"] is AdaLoraConfig)
        #expect(peft.wrappedModuleNames == json["wrapped_modules"] as? [String])
        #expect(peft.trainableParameterCounts == fixture.expectedCounts(json["trainable_parameters"]))
        #expect(peft.adapterStateEntries("default").keys.sorted() == json["adapter_keys"] as? [String])
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        let disabled = try peft.withAdaptersDisabled { try fixture.output(of: peft) }
        #expect(try fixture.mismatch(disabled, expectedName: "logits_base") == nil)
        for module in try fixture.expectedNames(withPrefix: "delta.") {
            let layer = try #require(peft.adapterLayers.first { $0.name == module }?.layer)
            #expect(try fixture.mismatch(layer.deltaWeight(of: "default"), expectedName: "delta.\(module)") == nil)
        }
        let perModule = try #require(json["per_module"] as? [String: [String: Any]])
        for (module, expected) in perModule {
            let layer = try #require(peft.adapterLayers.first { $0.name == module }?.layer as? AdaLoraLinear)
            let triplet = try #require(layer.triplet("default"))
            #expect(triplet.rank == expected["r"] as? Int)
            #expect(try triplet.ranknum.value().item == (expected["ranknum"] as? NSNumber)?.floatValue)
            #expect(triplet.scaling == (expected["scaling"] as? NSNumber)?.floatValue)
        }
        try peft.mergeAdapter()
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_merged") == nil)
        try peft.unmergeAdapter()
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        let merged = try peft.mergeAndUnload()
        let logits = try GradMode.withoutGradients { try #require(merged.forward(fixture.input()).logits) }
        #expect(try fixture.mismatch(logits, expectedName: "logits_merged") == nil)
    }

    @Test func lossAddsTheOrthogonalRegulariser() throws {
        let fixture = try FixtureCase(Self.name)
        let peft = try fixture.loadAdapted()
        let weight = try #require((fixture.caseInfo["orth_reg_weight"] as? NSNumber)?.doubleValue)
        #expect((peft.configs["default"] as? AdaLoraConfig)?.orthRegWeight == weight)
        let labels = try fixture.labels() ?? fixture.input().ids
        let (crossEntropy, loss) = try GradMode.withoutGradients {
            let ce = try #require(peft.forward(fixture.input()).logits).causalLMLoss(labels: labels)
            return (ce, try ce + peft.orthogonalRegularization(adapter: "default"))
        }
        #expect(try fixture.mismatch(crossEntropy.reshaped([1]), expectedName: "loss_ce") == nil)
        #expect(try fixture.mismatch(loss.reshaped([1]), expectedName: "loss") == nil)
    }

    @Test func theRegulariserHasGradientsForEveryMatrix() throws {
        let peft = try FixtureCase(Self.name).loadAdapted()
        try peft.orthogonalRegularization(adapter: "default").backward()
        for (name, parameter) in peft.trainableParameters where !name.contains("lora_E") {
            #expect(try parameter.value().grad != nil, "no gradient for \(name)")
        }
    }
}
