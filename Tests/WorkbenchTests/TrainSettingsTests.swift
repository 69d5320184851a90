import Foundation
import Testing
@testable import Workbench

/// `train KEY=VALUE` remembers only settings that were accepted.
@Suite struct TrainSettingsTests {
    @Test func aRefusedSettingIsNotRememberedForTheNextRun() throws {
        let session = try TestSession()
        #expect(session.failure("train batch_size=0").contains("batch_size"))
        #expect(session.failure("train schedule=cosin").contains("schedule must be one of"))
        #expect(session.controller.training.values["batch_size"] == "4")
        #expect(session.controller.training.values["schedule"] == nil)
        #expect(session.controller.workspace?.peft == nil, "a refused run makes no adapter")
        try session.train(steps: 2)
        #expect(session.controller.job?.progress.phase == .completed)
        #expect(session.controller.training.values["max_steps"] == "2")
    }
}

/// Switching method with adapters on the model: said at once, and done by the next `train` or
/// `adapter new` (the old wrappers come off), so a LoRA run and then an AdaLoRA run need no reload.
@Suite struct MethodSwitchTests {
    @Test func aLoraRunThenAnAdaloraRunOnTheSameModel() throws {
        let session = try TestSession()
        try session.train(steps: 2)
        #expect(try session.run("method adalora").contains("note: the model holds lora adapters (default)"))
        for line in ["config set total_step 6", "config set init_r 4", "config set target_r 2", "config set tinit 1", "config set tfinal 1"] { try session.run(line) }
        try session.run("train max_steps=6 batch_size=2 seq_len=16 eval_split=0")
        session.controller.job?.wait()
        #expect(session.output().contains("the method is adalora but the adapters are lora: making a adalora adapter"))
        #expect(session.output().contains("unloaded the lora adapters default"))
        #expect(session.controller.job?.progress.phase == .completed)
        #expect(try session.run("adapter list").contains("adalora r 4→2"))
        let runs = try session.run("runs")
        #expect(runs.contains("lora") && runs.contains("adalora"))
    }

    @Test func deletingTheLastAdapterTakesItsWrappersOff() throws {
        let session = try TestSession()
        try session.run("adapter new first")
        #expect(try session.run("adapter delete first").contains("no adapters left, the model is as loaded"))
        try session.run("method adalora")
        #expect(try session.run("adapter new ada").contains("adapter ada (active)"))
    }
}
