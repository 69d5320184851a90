import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
import Training
import Tuners

/// PEFT's own training steps: from the fixture adapter, the trainer's loss, the gradients after the
/// first backward, and the adapter after one and after all recorded optimizer steps.
@Suite struct TrainStepParityTests {
    /// Captures gradients and weights from inside the trainer, after each optimizer step.
    final class Recorder: TrainingStepHook {
        let entries: [String: Parameter]
        var gradients: [String: Tensor] = [:]
        var weights: [Int: [String: Tensor]] = [:]

        init(_ entries: [String: Parameter]) { self.entries = entries }

        func afterOptimizerStep(_ step: Int) throws {
            if step == 1 { gradients = try entries.compactMapValues { try $0.value().grad?.copy() } }
            weights[step] = try entries.mapValues { try $0.value().copy() }
        }
    }

    @Test(arguments: ["train_lora_gpt2", "train_lora_llama", "train_loha_llama", "train_lokr_llama", "train_vblora_llama", "train_randlora_llama"])
    func lossGradientsAndUpdatesMatchPEFT(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let steps = fixture.caseInfo["steps"] as! Int
        let model = try ModelLoader.load(directory: fixture.directory.appendingPathComponent("base")).model
        let peft = try PeftModel.fromPretrained(model, directory: fixture.directory.appendingPathComponent("adapter"), isTrainable: true)
        let entries = peft.adapterStateEntries("default").filter(\.value.requiresGrad)
        let trainer = try FixtureTrainer.make(fixture, model: model, peft: peft)
        let recorder = Recorder(entries)
        trainer.stepHook = recorder
        var losses: [Float] = []
        try trainer.run { if case let .step(m) = $0 { losses.append(Float(m.loss)) } }

        #expect(try fixture.mismatch(Tensor(shape: [1], data: [losses[0]]), expectedName: "loss") == nil)
        #expect(try fixture.mismatch(Tensor(shape: [steps], data: losses), expectedName: "losses") == nil)
        let expected = try fixture.expected
        let gradNames = expected.names.filter { $0.hasPrefix("grad.") }
        #expect(!gradNames.isEmpty && gradNames.count == entries.count)
        for gradName in gradNames {
            let key = String(gradName.dropFirst("grad.".count))
            let gradient = try #require(recorder.gradients[key], "no gradient for \(key)")
            #expect(try fixture.mismatch(gradient, expectedName: gradName) == nil)
            #expect(try fixture.mismatch(#require(recorder.weights[1]?[key]), expectedName: "after.\(key)") == nil)
            #expect(try fixture.mismatch(#require(recorder.weights[steps]?[key]), expectedName: "after\(steps).\(key)") == nil)
        }
    }
}
