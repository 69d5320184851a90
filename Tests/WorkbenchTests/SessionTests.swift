import Foundation
import Testing
import Workbench

/// The shipped session scripts replay cleanly, and `lorakit run` stops at a failing line.
@Suite(.serialized) struct SessionTests {
    static let sessions = TestSession.repository.appendingPathComponent("sessions")

    /// Each shipped script, replayed headless on the small scratch model (its `load` line and
    /// relative output folders pointed into a scratch folder), runs every line.
    @Test(arguments: ["quickstart", "adalora", "merge", "lycoris", "combine"])
    func shippedSessionsReplay(_ name: String) throws {
        let session = try TestSession(loaded: false)
        let original = try String(contentsOf: Self.sessions.appendingPathComponent("\(name).lks"), encoding: .utf8)
        #expect(original.contains("load builtin:tiny-llama"))
        let text = original.replacingOccurrences(of: "load builtin:tiny-llama", with: "load \(session.modelPath) --from-scratch")
            .replacingOccurrences(of: " runs/", with: " \(session.folder.path)/runs/")
        let player = SessionPlayer(script: SessionScript(text: text, path: "\(name).lks"))
        try player.runToEnd(session.controller)
        #expect(player.position == player.script.lines.count)
        #expect(!session.controller.log.entries.contains { $0.kind == .error })
    }

    @Test func lorakitRunReportsTheFailingFileAndLine() throws {
        let lorakit = TmuxEndToEndTests.lorakit
        try #require(FileManager.default.isExecutableFile(atPath: lorakit.path), "lorakit must be built at \(lorakit.path)")
        let session = try TestSession(loaded: false)
        let script = session.folder.appendingPathComponent("broken.lks")
        try "load \(session.modelPath) --from-scratch\ntarget only q_proj\n\ntarget ad v_proj\nparams\n".write(to: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = lorakit
        process.arguments = ["run", script.path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let reported = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(printed.contains("> target only q_proj\n+ q_proj: selects 2 modules"))
        #expect(!printed.contains("> params"))
        #expect(reported.contains("replay stopped: \(script.path):4: target: unknown subcommand \"ad\"; did you mean add?"))
    }
}
