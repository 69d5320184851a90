import Foundation
import Testing
@testable import Workbench

/// The log pane wraps, scrolls, searches and opens a pager; `generate` streams, runs off the TUI's
/// thread and stops on `x` / Ctrl-C.
@Suite(.serialized) struct LogAndGenerationTests {
    static func render(_ session: TestSession, _ state: TUIState, width: Int = 80, height: Int = 24) -> Grid {
        Screen.render(controller: session.controller, state: state, width: width, height: height)
    }

    @Test func wrappingBreaksAtSpacesAndKeepsAlignedColumns() {
        #expect(TextWrap.wrap("config set: lora_dropout: must be in [0, 1); got 1.5", width: 20, indent: "  ")
                == ["config set:", "  lora_dropout: must", "  be in [0, 1); got", "  1.5"])
        #expect(TextWrap.wrap("* r                    16", width: 40) == ["* r                    16"])
        #expect(TextWrap.wrap("model.layers.0.self_attn.q_proj", width: 12) == ["model.layers", ".0.self_attn", ".q_proj"])
        #expect(TextWrap.fit("trainable 28,672 of 3,950,848", width: 14) == "trainable…")
        #expect(TextWrap.fit("LlamaDecoderLayer", width: 8) == "LlamaDe…")
        #expect(TextWrap.fit("short", width: 8) == "short")
    }

    @Test func longOutputCanBeScrolledBackSearchedAndReadInThePager() throws {
        let session = try TestSession()
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        try session.run("config show")
        for _ in 0 ..< 3 { try session.run("info") }
        var grid = Self.render(session, state)
        #expect(!grid.contains("> config show"))
        for _ in 0 ..< 3 { keys.handle(.tab) }
        #expect(state.focus == .log)
        grid = Self.render(session, state)
        #expect(grid.contains(" above · ") && grid.contains("PgUp PgDn · /"), "the keys, in a wording that fits")
        keys.handle(.character("/"))
        for character in "CONFIG SHOW" { keys.handle(.character(character)) }
        keys.handle(.enter)
        grid = Self.render(session, state)
        #expect(grid.contains("> config show"), "\(grid.text)")
        keys.handle(.character("G"))
        for _ in 0 ..< 30 { keys.handle(.pageUp) }
        grid = Self.render(session, state)
        #expect(grid.contains("> load"), "\(grid.text)")
        keys.handle(.enter)
        grid = Self.render(session, state)
        #expect(grid.row(23).contains("q closes"))
        #expect(grid.contains("> load "))
        keys.handle(.character("q"))
        #expect(!state.log.pager)
        #expect(state.log.back > 0)
        keys.handle(.character(":"))
        for character in "info" { keys.handle(.character(character)) }
        keys.handle(.enter)
        #expect(state.log.back == 0, "a command brings the log back to its newest lines")
    }

    @Test func anErrorLongerThanThePaneIsWrappedNotCut() throws {
        let session = try TestSession()
        let state = TUIState()
        _ = session.failure("config set lora_dropout 1.5")
        let grid = Self.render(session, state)
        let text = grid.text
        #expect(text.contains("config set: lora_dropout: must be in"))
        #expect(text.contains("got 1.5"))
    }

    @Test func generationStreamsAndCtrlCStopsItAtTheRepl() throws {
        let session = try TestSession()
        let controller = session.controller
        let pieces = PieceCollector()
        controller.generationObserver = { pieces.add($0) }
        try session.run("generate \"A day\" max_new_tokens=6")
        #expect(pieces.count > 2)
        let streamed = pieces.joined
        #expect(controller.log.entries.last { $0.kind == .generated }?.text == streamed)
        controller.interruptRequested = { pieces.count >= 4 }
        try session.run("generate \"A day\" max_new_tokens=50")
        #expect(controller.generation?.phase == .stopped)
        #expect(controller.log.entries.last?.text == "(stopped)")
        let before = controller.log.entries.filter { $0.kind == .generated }.count
        #expect(session.failure("generate hello temperature=-1") == "generate: temperature must be 0 (greedy) or positive, got -1.0")
        #expect(controller.log.entries.filter { $0.kind == .generated }.count == before)
    }

    @Test func theTuiGeneratesInTheBackgroundAndXStopsIt() throws {
        let session = try TestSession()
        let controller = session.controller
        controller.generatesInBackground = true
        let state = TUIState()
        try session.run("generate \"A day\" max_new_tokens=100000")
        #expect(controller.isGenerating)
        #expect(session.failure("train") == "train: text is being generated; wait for it or `stop` it (x) first")
        #expect(Self.render(session, state).contains("generating… x or Ctrl-C stops"))
        KeyHandler(controller: controller, state: state).handle(.character("x"))
        try waitUntil("x to stop the generation") { !controller.isGenerating && controller.log.entries.last?.text == "(stopped)" }
        #expect(controller.generation?.phase == .stopped)
        #expect(controller.log.entries.first { $0.kind == .generated }?.text.hasPrefix("A day") == true)
    }
}

/// Pieces of streamed text, appended from the generating thread.
final class PieceCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var pieces: [String] = []
    func add(_ piece: String) { lock.withLock { pieces.append(piece) } }
    var count: Int { lock.withLock { pieces.count } }
    var joined: String { lock.withLock { pieces.joined() } }
}
