import Foundation
import Testing
@testable import Workbench

/// Recorded scripts replay to the same state, recording never overwrites or abandons a file
/// silently, and a running script can be aborted.
@Suite struct SessionRecordingTests {
    @Test func aRecordingStartsWithTheStateItWasStartedInAndReplaysToTheSameState() throws {
        let session = try TestSession()
        try session.run("config set r 2")
        try session.run("config set init_lora_weights gaussian")
        try session.run("target add k_proj")
        try session.run("target remove model.layers.0.self_attn.q_proj")
        try session.run("data load builtin:definitions")
        try session.run("recipe set lr=3e-4 max_steps=7")
        try session.run("recipe set schedule=cosine warmup=2")
        let recorded = session.folder.appendingPathComponent("rec.lks")
        try session.run("record start \(recorded.path)")
        try session.run("target add o_proj")
        try session.run("record stop")
        let text = try String(contentsOf: recorded, encoding: .utf8)
        #expect(text.contains("load \(session.modelPath) --from-scratch\n"))
        let fresh = try TestSession(loaded: false)
        try fresh.run("source \(recorded.path)")
        #expect(fresh.controller.workspace?.reference.description == session.modelPath)
        #expect(fresh.controller.rules == session.controller.rules)
        #expect(fresh.controller.draft == session.controller.draft)
        #expect(fresh.controller.dataSource == "builtin:definitions")
        #expect(fresh.controller.training == session.controller.training)
        #expect(fresh.controller.training.value(of: "max_steps") == "7")
        #expect(fresh.controller.selection.names == session.controller.selection.names)
    }

    @Test func recordingRefusesToOverwriteAFileOrAbandonTheOneBeingWritten() throws {
        let session = try TestSession()
        let first = session.folder.appendingPathComponent("first.lks"), second = session.folder.appendingPathComponent("second.lks")
        try "keep me\n".write(to: second, atomically: true, encoding: .utf8)
        try session.run("record start \(first.path)")
        #expect(session.failure("record start \(second.path)") == "record start: already recording to \(first.path); `record stop` ends that recording first")
        try session.run("target add k_proj")
        try session.run("record stop")
        #expect(try String(contentsOf: first, encoding: .utf8).hasSuffix("target add k_proj\n"))
        #expect(session.failure("record start \(second.path)").hasPrefix("record start: \(second.path) exists; `record start \(second.path) --overwrite` replaces it"))
        #expect(try String(contentsOf: second, encoding: .utf8) == "keep me\n")
        try session.run("record start \(second.path) --overwrite")
        try session.run("record stop")
        #expect(try String(contentsOf: second, encoding: .utf8).hasPrefix("# lorakit session recorded"))
    }

    @Test func xAbortsAScriptTheTuiIsReplaying() throws {
        let session = try TestSession()
        let script = session.folder.appendingPathComponent("long.lks")
        try "target add k_proj\ntarget add o_proj\ntarget add gate_proj\n".write(to: script, atomically: true, encoding: .utf8)
        let state = TUIState()
        session.controller.scriptQueue = { state.scripts.append($0) }
        try session.run("source \(script.path)")
        let player = try #require(state.scripts.first)
        player.advance(session.controller)
        KeyHandler(controller: session.controller, state: state).handle(.character("x"))
        #expect(state.scripts.isEmpty)
        #expect(player.isDone && player.failure?.line == 2)
        #expect(state.message == "✗ stopped replaying \(script.path) before its line 2")
        #expect(session.controller.rules.entries.contains("k_proj") && !session.controller.rules.entries.contains("o_proj"))
    }

    @Test func ctrlCAbortsAScriptSourcedAtTheRepl() throws {
        let session = try TestSession()
        let script = session.folder.appendingPathComponent("long.lks")
        try "target add k_proj\ntarget add o_proj\n".write(to: script, atomically: true, encoding: .utf8)
        let controller = session.controller
        controller.interruptRequested = { controller.rules.entries.contains("k_proj") }
        #expect(session.failure("source \(script.path)") == "\(script.path):2: stopped by the user before this line")
        #expect(!controller.rules.entries.contains("o_proj"))
    }
}

/// A recording leaves out lines that failed and `stop`, which only means something at the moment
/// it was given, so the script replays to the end.
@Suite struct RecordingStopTests {
    @Test func failedLinesAndStopAreNotRecorded() throws {
        let session = try TestSession()
        let file = session.folder.appendingPathComponent("stop.lks")
        try session.run("record start \(file.path)")
        _ = session.failure("stop")
        _ = session.failure("target add nonesuch")
        try session.run("target add k_proj")
        try session.run("record stop")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(!text.contains("\nstop\n") && !text.contains("nonesuch") && text.hasSuffix("target add k_proj\n"))
    }
}
