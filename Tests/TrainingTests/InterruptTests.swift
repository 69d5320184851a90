import FixtureSupport
import Foundation
import Testing

/// Ctrl-C on the real `lorakit train`: the current step finishes, a checkpoint is written, exit 0.
@Suite struct InterruptTests {
    /// The `lorakit` executable built beside this test bundle.
    static let lorakit = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lorakit")

    @Test func ctrlCWritesACheckpointAndExitsCleanly() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.lorakit.path), "lorakit must be built at \(Self.lorakit.path)")
        let workspace = try TrainerTests.Workspace(text: TrainerTests.text)
        let recipe = workspace.url.appendingPathComponent("recipe.yaml")
        try """
        model: \(workspace.url.path)
        from_scratch: true
        data: \(workspace.url.path)/data.txt
        output_dir: \(workspace.url.path)/out
        max_steps: 100000
        batch_size: 2
        seq_len: 16
        """.write(to: recipe, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = Self.lorakit
        process.arguments = ["train", recipe.path, "--set", "seed=7", "--set", "lr=3e-4 "]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let metrics = workspace.url.appendingPathComponent("out/metrics.jsonl")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, ((try? String(contentsOf: metrics, encoding: .utf8)) ?? "").split(separator: "\n").count < 3 {
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0)
        #expect(printed.contains("checkpoint written to") && printed.contains("--resume"))
        #expect(printed.contains("--set seed=7 --set 'lr=3e-4 ' --resume"), "the command to continue repeats the overrides, quoted for a shell")
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: workspace.url.appendingPathComponent("out").path)
            .filter { $0.hasPrefix("checkpoint-") }
        #expect(checkpoints.count == 1)
        #expect(try String(contentsOf: metrics, encoding: .utf8).contains("\"reason\":\"stopped\""))
    }
}
