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
