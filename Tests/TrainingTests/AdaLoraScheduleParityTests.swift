import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
import Tokenizers
import Training
@testable import Tuners

/// PEFT's AdaLoRA schedule case, driven through the real trainer with the case's optimizer: the
/// losses, the budget and every module's rank after each step, the triplet scores of each masking
/// step, the final `rank_pattern` and tensors, and the saved (shrunk) adapter reloading to the same
/// output. Every number comes from the fixture.
@Suite struct AdaLoraScheduleParityTests {
    static let name = "adalora_llama_schedule"

    /// Wraps the allocator's hook to record, after each step, every module's rank (non-zero `lora_E`
    /// entries) and the allocation of a masking step.
    final class Recorder: TrainingStepHook {
        let inner: MethodStepHook
        let layers: [(name: String, layer: AdaLoraLinear)]
        var ranks: [[String: Int]] = []
        var allocations: [Int: RankAllocation] = [:]

        init(_ inner: MethodStepHook, peft: PeftModel) {
            self.inner = inner
            layers = peft.adapterLayers.compactMap { name, layer in (layer as? AdaLoraLinear).map { (name, $0) } }
            inner.onAllocation = { [unowned self] in allocations[$0.step] = $0 }
        }

        func afterOptimizerStep(_ step: Int) throws {
            try inner.afterOptimizerStep(step)
            ranks.append(try Dictionary(uniqueKeysWithValues: layers.map { name, layer in
                (name, try layer.triplet("default")!.e.value().scalars.filter { $0 != 0 }.count)
            }))
        }
    }

    /// The fixture's base model with `adapter_init/` loaded trainable, and a trainer over its one
    /// batch with the case's optimizer and the allocator attached.
    static func setUp(_ fixture: FixtureCase) throws -> (peft: PeftModel, trainer: Trainer, recorder: Recorder, regularizer: () -> [Float]) {
        let model = try ModelLoader.load(directory: fixture.directory.appendingPathComponent("base")).model
        let peft = try PeftModel.fromPretrained(model, directory: fixture.directory.appendingPathComponent("adapter_init"), isTrainable: true)
        let trainer = try FixtureTrainer.make(fixture, model: model, peft: peft)
        let hook = try #require(try trainer.attachMethodHook(for: peft, steps: true))
        let recorder = Recorder(hook, peft: peft)
        trainer.stepHook = recorder
        let regularizer = try #require(trainer.lossRegularizer)
        var values: [Float] = []
        trainer.lossRegularizer = {
            let value = try regularizer()
            values.append(value.item)
            return value
        }
        return (peft, trainer, recorder, { values })
    }

    @Test func theScheduleMatchesPeftStepByStep() throws {
        let fixture = try FixtureCase(Self.name)
        let (peft, trainer, recorder, regularizer) = try Self.setUp(fixture)
        var losses: [Float] = []
        try trainer.run { if case let .step(m) = $0 { losses.append(Float(m.loss)) } }
        let json = try fixture.expectedJSON
        let steps = try #require(json["steps"] as? [[String: Any]])
        #expect(losses.count == steps.count)
        #expect(try fixture.mismatch(Tensor(shape: [losses.count], data: losses), expectedName: "losses") == nil)
        let crossEntropy = zip(losses, regularizer()).map { $0 - $1 }
        #expect(try fixture.mismatch(Tensor(shape: [crossEntropy.count], data: crossEntropy), expectedName: "losses_ce") == nil)

        let allocator = try #require((recorder.inner.hook as? AdaLoraTrainingHook)?.allocator)
        #expect(allocator.schedule.initialBudget == json["init_budget"] as? Int)
        #expect(allocator.schedule.targetBudget == json["target_budget"] as? Int)
        for expected in steps {
            let step = try #require(expected["step"] as? Int)
            #expect(allocator.schedule.budget(atStep: step).budget == expected["budget_schedule"] as? Int, "budget_schedule at step \(step)")
            #expect(allocator.schedule.phase(atStep: step).rawValue == expected["phase"] as? String, "phase at step \(step)")
            let allocation = recorder.allocations[step + 1]
            #expect(allocation?.budget == expected["budget"] as? Int, "budget at step \(step)")
            #expect(recorder.ranks[step] == expected["ranks"] as? [String: Int], "ranks at step \(step)")
            guard let allocation else { continue }
            for module in allocation.modules {
                let name = "score.step\(step).\(module.name)"
                guard try fixture.expected.info(named: name) != nil else { continue }
                #expect(try fixture.mismatch(Tensor(shape: [module.scores.count], data: module.scores.map(Float.init)), expectedName: name) == nil)
            }
        }
        for name in try fixture.expected.names where name.hasPrefix("score.step") {
            let step = Int(name.dropFirst("score.step".count).prefix { $0.isNumber })!
            #expect(recorder.allocations[step + 1] != nil, "PEFT scored at step \(step), lorakit did not mask")
        }

        let config = try #require(peft.configs["default"] as? AdaLoraConfig)
        let pattern = try #require(config.rankPattern)
        let expectedPattern = try #require(json["final_rank_pattern"] as? [String: [Bool]])
        #expect(Dictionary(uniqueKeysWithValues: pattern.entries.map { ($0.key, $0.keep) }) == expectedPattern)
        for name in try fixture.expected.names where name.hasPrefix("final.") {
            let parts = name.dropFirst("final.".count).split(separator: ".")
            let (module, tensor) = (parts.dropLast().joined(separator: "."), String(parts.last!))
            let layer = try #require(peft.adapterLayers.first { $0.name == module }?.layer)
            let parameter = try #require(layer.adapterParameters(of: "default").first { $0.name == "\(tensor).default" }?.parameter)
            #expect(try fixture.mismatch(parameter.value(), expectedName: name) == nil)
        }
        let input = try fixture.input()
        let logits = try GradMode.withoutGradients { try #require(peft.forward(input).logits) }
        #expect(try fixture.mismatch(logits, expectedName: "logits_final") == nil)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("adalora-schedule-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try peft.savePretrained(directory: folder)
        let saved = try SafeTensorsFile(contentsOf: folder.appendingPathComponent(AdapterFiles.weightsFileName))
        let shapes = try #require(json["final_saved_shapes"] as? [String: [Int]])
        #expect(Dictionary(uniqueKeysWithValues: saved.tensorInfos.map { ($0.name, $0.shape) }) == shapes)
        let reloaded = try PeftModel.fromPretrained(ModelLoader.load(directory: fixture.directory.appendingPathComponent("base")).model, directory: folder)
        let reloadedLogits = try GradMode.withoutGradients { try #require(reloaded.forward(input).logits) }
        #expect(try fixture.mismatch(reloadedLogits, expectedName: "logits_final") == nil)
    }

    /// A run shorter or longer than the adapter's `total_step` trains, as PEFT lets it, with a
    /// warning that says what happens to the rank budget; an equal one has none.
    @Test(arguments: [-1, 0, 1]) func aTotalStepOtherThanTheRunsIsWarnedAbout(_ difference: Int) throws {
        let fixture = try FixtureCase(Self.name)
        let model = try ModelLoader.load(directory: fixture.directory.appendingPathComponent("base")).model
        let peft = try PeftModel.fromPretrained(model, directory: fixture.directory.appendingPathComponent("adapter_init"), isTrainable: true)
        let total = try #require((peft.configs["default"] as? AdaLoraConfig)?.totalStep)
        let recipe = try Recipe(yaml: "model: unused\ndata: unused\noutput_dir: unused\nmax_steps: \(total + difference)\nbatch_size: 1", source: "test")
        let examples = try TrainingExamples(.tokenized(ids: [[3, 4, 5, 6]], attentionMask: nil, labels: nil), tokenizer: { throw RecipeError("no tokenizer needed") }, seqLen: 4)
        let trainer = try Trainer(model: model, parameterGroups: [TrainableGroup(name: "all", parameters: try peft.trainableParameters.map { try $0.parameter.value() })],
                                  recipe: recipe, train: examples, evaluation: nil, padId: 0)
        #expect(try trainer.attachMethodHook(for: peft, steps: true) != nil)
        let warning = trainer.methodHookWarning(for: peft)
        switch difference {
        case 0: #expect(warning == nil)
        case ..<0: #expect(warning?.contains("will not reach its target") == true, "\(warning ?? "no warning")")
        default: #expect(warning?.contains("final masks are kept") == true, "\(warning ?? "no warning")")
        }
    }
}
