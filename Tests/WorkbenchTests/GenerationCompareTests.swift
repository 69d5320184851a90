import Foundation
import Testing
@testable import Workbench

/// `generate --compare`: the base model's continuation, then the adapter's, for the same prompt and
/// seed, each streamed under its label; the adapter is back on afterwards.
@Suite struct GenerationCompareTests {
    /// The text `line` generated (the log holds it a line an entry).
    static func generated(_ session: TestSession, _ line: String) throws -> String {
        let before = session.controller.log.entries.count
        try session.run(line)
        return session.controller.log.entries.dropFirst(before).filter { $0.kind == .generated }.map(\.text).joined(separator: "\n")
    }

    @Test func baseAndAdapterContinueTheSamePromptSideBySide() throws {
        let session = try TestSession()
        let prompt = "generate \"A day\" max_new_tokens=8 temperature=0.8 seed=3"
        let base = try Self.generated(session, prompt)
        #expect(session.failure(prompt + " --compare").contains("there is no adapter yet"))
        try session.run("config set init_lora_weights false")
        try session.run("config set lora_alpha 64")
        try session.run("adapter new tuned")
        let adapted = try Self.generated(session, prompt)
        #expect(adapted != base, "a random B must change the text")
        let pieces = PieceCollector()
        session.controller.generationObserver = { pieces.add($0) }
        let both = try Self.generated(session, prompt + " --compare")
        #expect(both == "base: \(base)\ntuned: \(adapted)", "\(both)")
        #expect(pieces.joined == both, "streamed as it came")
        #expect(try Self.generated(session, prompt) == adapted, "the adapter is on again")
        try session.run("merge")
        #expect(session.failure(prompt + " --compare").contains("`unmerge` first"))
    }

    @Test func theTuiShowsBothContinuationsAndXStopsThem() throws {
        let session = try TestSession()
        let controller = session.controller
        try session.run("adapter new tuned")
        controller.generatesInBackground = true
        try session.run("generate \"A day\" max_new_tokens=100000 --compare")
        let state = TUIState()
        // Wait for the base pass's first new token (whatever the random model writes), not a given one.
        try waitUntil("the base pass's first token") { controller.generation.map { $0.text.hasPrefix("base: A day") && $0.text.count > "base: A day".count } ?? false }
        KeyHandler(controller: controller, state: state).handle(.character("x"))
        try waitUntil("x to stop the generation") { controller.log.entries.last?.text == "(stopped)" }
        let text = try #require(controller.log.entries.last { $0.kind == .generated }?.text)
        // The log pane shows the stop (a long streamed line's start may have scrolled out of it).
        let screen = Screen.render(controller: controller, state: state, width: 200, height: 60)
        #expect(screen.contains("(stopped)"), "\(screen.text)")
        #expect(text.hasPrefix("base: A day") && !text.contains("\ntuned:"), "stopped before the second pass: \(text)")
    }
}
