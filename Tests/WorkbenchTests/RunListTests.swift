import Foundation
import Testing
@testable import Workbench

/// The run list: every run in the runs folder with its method, steps and best eval loss; runs
/// overlaid on the loss plot with a legend; delete and rename; a damaged metrics file.
@Suite(.serialized) struct RunListTests {
    @Test func runsAreListedOverlaidRenamedAndDeleted() throws {
        let session = try TestSession()
        try session.train(steps: 4)
        try session.run("adapter new second")
        try session.train(steps: 4)
        let listed = try session.run("runs")
        #expect(listed.contains("default-1") && listed.contains("second-1"))
        #expect(listed.contains("lora") && listed.contains("4/4"))
        #expect(listed.contains("*"))
        #expect(try session.run("runs show default-1").contains("method lora"))
        try session.run("runs compare default-1 second-1")
        let state = TUIState()
        let grid = Screen.render(controller: session.controller, state: state, width: 120, height: 36)
        #expect(grid.contains("A default-1"), "\(grid.text)")
        #expect(grid.contains("A"))
        try session.run("runs rename default-1 first-try")
        #expect(try session.run("runs").contains("first-try"))
        #expect(session.controller.comparedRuns.map(\.lastPathComponent).contains("first-try"))
        try session.run("runs delete first-try")
        #expect(!FileManager.default.fileExists(atPath: session.folder.appendingPathComponent("runs/first-try").path))
        #expect(session.failure("runs show nope").hasPrefix("runs show: unknown run \"nope\""))
    }

    @Test func aDamagedOrRandomMetricsFileNeverCrashesTheReader() throws {
        var generator = SystemRandomNumberGenerator()
        let valid = "{\"event\":\"step\",\"step\":1,\"loss\":2.5,\"total_steps\":4}\n{\"event\":\"eval\",\"step\":1,\"eval_loss\":2.4}\n"
        for round in 0 ..< 300 {
            var bytes = Array(valid.utf8)
            if round % 2 == 0 {
                bytes = (0 ..< Int.random(in: 0 ... 200, using: &generator)).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
            } else {
                for _ in 0 ..< 1 + round % 7 { bytes[Int.random(in: 0 ..< bytes.count, using: &generator)] = UInt8.random(in: 0 ... 255, using: &generator) }
            }
            let parsed = RunRecord.parse(metrics: String(decoding: bytes, as: UTF8.self))
            #expect(parsed.steps.count <= 1 && parsed.evaluations.count <= 1)
        }
    }
}
