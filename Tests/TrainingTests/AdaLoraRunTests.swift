import FixtureSupport
import Foundation
import Models
import Testing
import Training
import Tuners

/// An AdaLoRA run from a recipe, end to end: rank events at the masking steps, the same history read
/// back from `metrics.jsonl`, the final allocation saved as `rank_pattern` with shrunk tensors, and
/// `lorakit ranks`' report of it.
@Suite struct AdaLoraRunTests {
    static let adapter = """
        adapter:
          peft_type: ADALORA
          target_modules: [q_proj, v_proj, down_proj]
          init_r: 6
          target_r: 2
          tinit: 3
          tfinal: 5
          deltaT: 2
        """

    @Test func aRecipeRunRecordsItsRankHistoryAndSavesTheAllocation() throws {
        let workspace = try TrainerTests.Workspace(text: TrainerTests.text)
        let run = try TrainingRun(recipe: workspace.recipe(Self.adapter))
        let config = try #require(run.peft?.configs["default"] as? AdaLoraConfig)
        #expect(config.totalStep == run.trainer.totalSteps, "total_step follows max_steps when the recipe leaves it out")
        var allocations: [RankAllocation] = []
        try run.run { if case let .ranks(allocation) = $0 { allocations.append(allocation) } }

        let allocator = try RankAllocator(peft: #require(run.peft), adapter: "default")
        let maskingSteps = (0 ..< run.trainer.totalSteps).filter {
            allocator.schedule.phase(atStep: $0) == .finalAllocation || (allocator.schedule.phase(atStep: $0) == .budgeting && allocator.schedule.budget(atStep: $0).mask)
        }
        #expect(allocations.map(\.step) == maskingSteps.map { $0 + 1 })
        #expect(allocations.map(\.budget) == maskingSteps.map { allocator.schedule.budget(atStep: $0).budget })

        let history = try RankHistory(runDirectory: workspace.url.appendingPathComponent("out"))
        #expect(history.finished && history.allocations.count == allocations.count)
        for (read, emitted) in zip(history.allocations, allocations) {
            #expect(read.step == emitted.step && read.budget == emitted.budget && read.modules.map(\.rank) == emitted.modules.map(\.rank))
        }
        let final = try #require(allocations.last)
        let saved = try #require(try PeftConfigs.read(contentsOf: workspace.url.appendingPathComponent("out/adapter_config.json")) as? AdaLoraConfig)
        let pattern = try #require(saved.rankPattern)
        #expect(final.modules.map { pattern.keep(forModule: $0.name, adapter: "default")?.filter { $0 }.count } == final.modules.map(\.rank))
        let weights = try SafeTensorsFile(contentsOf: workspace.url.appendingPathComponent("out/adapter_model.safetensors"))
        for module in final.modules {
            #expect(weights.info(named: "base_model.model.\(module.name).lora_E")?.shape == [module.rank, 1])
        }

        let table = RankReport.table(final).split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(table.first == ["layer", "q_proj", "v_proj", "down_proj", "total"])
        #expect(table.last?.last == String(final.totalRank))
        for (row, layer) in table.dropFirst().dropLast().enumerated() {
            let ranks = final.modules.filter { $0.name.hasPrefix("model.layers.\(row).") }.map { String($0.rank) }
            #expect(Array(layer.dropFirst().dropLast()) == ranks)
        }
        let report = RankReport.text(history)
        #expect(report.contains("finished") && report.contains("budget by step"))
    }

    @Test func aRunningRunShowsItsLatestAllocation() throws {
        let allocation = RankAllocation(step: 4, budget: 3, modules: [.init(name: "model.layers.0.mlp.down_proj", rank: 3, scores: [1, 2, 3, 0])])
        let line = String(decoding: try JSONEncoder().encode(allocation), as: UTF8.self).dropLast() + ",\"event\":\"ranks\"}"
        let history = try RankHistory(metricsText: "{\"event\":\"step\",\"step\":4,\"total_steps\":9}\n" + line + "\n{\"event\":\"st", source: "test")
        #expect(!history.finished && history.lastStep == 4 && history.totalSteps == 9 && history.final == allocation)
        #expect(RankReport.text(history).contains("running at step 4 of 9"))
        #expect(throws: DataError.self) { try RankHistory(metricsText: "{\"event\":\"step\",\"step\":1}", source: "test") }
    }

    @Test(arguments: [10, 22])
    func aResumedRunAllocatesAsTheUninterruptedOne(stopAfter: Int) throws {
        let workspace = try TrainerTests.Workspace(text: TrainerTests.text)
        func record(_ run: TrainingRun, until stop: Int? = nil) throws -> (losses: [Double], allocations: [RankAllocation]) {
            var losses: [Double] = [], allocations: [RankAllocation] = []
            try run.run(shouldStop: { stop.map { losses.count >= $0 } ?? false }) { event in
                if case let .step(m) = event { losses.append(m.loss) }
                if case let .ranks(allocation) = event { allocations.append(allocation) }
            }
            return (losses, allocations)
        }
        let uninterrupted = try record(TrainingRun(recipe: workspace.recipe(Self.adapter)))
        let head = try record(TrainingRun(recipe: workspace.recipe(Self.adapter, overrides: ["overwrite_output_dir=true"])), until: stopAfter)
        let checkpoint = workspace.url.appendingPathComponent("out/checkpoint-\(stopAfter)")
        let resumed = try TrainingRun(recipe: workspace.recipe(Self.adapter), resumeFrom: checkpoint)
        let tail = try record(resumed)
        #expect(head.losses + tail.losses == uninterrupted.losses)
        #expect(head.allocations + tail.allocations == uninterrupted.allocations)
        #expect((resumed.peft?.configs["default"] as? AdaLoraConfig)?.rankPattern != nil)
    }

    /// A `total_step` longer than the run is allowed, as PEFT allows it, with a warning before the run.
    @Test func anExplicitTotalStepLongerThanTheRunIsWarnedAbout() throws {
        let workspace = try TrainerTests.Workspace(text: TrainerTests.text)
        let run = try TrainingRun(recipe: workspace.recipe(Self.adapter + "\n  total_step: 40"))
        #expect(run.warnings.count == 1)
        #expect(run.warnings.first?.contains("total_step is 40") == true)
    }
}
