import Foundation
import Testing
@testable import Workbench

/// Screens rendered into the cell grid, read back as text.
@Suite struct ScreenTests {
    static func render(_ session: TestSession, _ state: TUIState, width: Int = 80, height: Int = 24) -> Grid {
        Screen.render(controller: session.controller, state: state, width: width, height: height)
    }

    @Test func theLayoutFits80By24AndSaysWhenTheTerminalIsSmaller() throws {
        let session = try TestSession()
        let state = TUIState()
        let grid = Self.render(session, state)
        #expect(grid.contains("modules · 4 targeted"))
        #expect(grid.contains("layers.0-1 (×2)"))
        #expect(grid.contains("● q_proj"))
        #expect(grid.contains("○ k_proj"))
        #expect(grid.contains("no run yet: t trains the active adapter"))
        #expect(grid.row(23).contains("lorakit │"))
        #expect(grid.row(23).contains("model │ adapter: none │ trainable 0 of 149,664 (0.00%)"))
        #expect(Self.render(session, state, width: 79, height: 24).row(0).hasPrefix("lorakit needs at least 80×24; this terminal is 79×24"))
        let large = Self.render(session, state, width: 160, height: 48)
        #expect(large.contains("lora config") && large.contains("─ module ─"))
    }

    @Test func theTreeFoldsMovesSearchesAndSpaceTogglesATarget() throws {
        let session = try TestSession()
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        _ = Self.render(session, state)
        keys.handle(.character("/"))
        for character in "k_proj" { keys.handle(.character(character)) }
        keys.handle(.enter)
        #expect(state.tree.current?.path == "model.layers.0.self_attn.k_proj")
        keys.handle(.character(" "))
        #expect(session.controller.rules.entries == ["q_proj", "v_proj", "self_attn.k_proj"])
        var grid = Self.render(session, state)
        #expect(grid.contains("modules · 6 targeted"))
        #expect(grid.contains("● k_proj"))
        #expect(grid.contains("targeted: r=8, lora_alpha=8, scaling 1"))
        keys.handle(.character(" "))
        #expect(session.controller.rules.entries == ["q_proj", "v_proj"])
        keys.handle(.character("k"))
        keys.handle(.character("h"))
        keys.handle(.character("h"))
        grid = Self.render(session, state)
        #expect(grid.contains("▸   self_attn"))
        #expect(!grid.contains("q_proj"))
        keys.handle(.character(" "))
        #expect(state.message?.contains("adapters wrap Linear, Conv1D and Embedding layers") == true)
    }

    @Test func theConfigFormValidatesAsYouTypeAndSetsThroughTheCommandLanguage() throws {
        let session = try TestSession()
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        keys.handle(.tab)
        #expect(state.focus == .config)
        keys.handle(.down)
        keys.handle(.down)
        keys.handle(.enter)
        // The field opens with its current value, PEFT's default 0.0; clear it first.
        let current = session.controller.draft.value(of: "lora_dropout")
        #expect(current == "0.0")
        for _ in current { keys.handle(.backspace) }
        for character in "1.5" { keys.handle(.character(character)) }
        var grid = Self.render(session, state)
        #expect(grid.contains("✗ lora_dropout: must be in [0, 1); got 1.5"))
        for _ in 0 ..< 3 { keys.handle(.backspace) }
        for character in "0.1" { keys.handle(.character(character)) }
        grid = Self.render(session, state)
        #expect(grid.contains("✓ valid"))
        keys.handle(.enter)
        #expect(session.controller.draft.value(of: "lora_dropout") == "0.1")
        #expect(session.controller.log.entries.contains { $0.kind == .command && $0.text == "config set lora_dropout 0.1" })
        grid = Self.render(session, state)
        #expect(grid.contains("*lora_dropout"))
    }

    @Test func theCommandLineHasHistoryAndCompletionAndTheHelpOverlayListsTheKeys() throws {
        let session = try TestSession()
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        keys.handle(.character(":"))
        for character in "targ" { keys.handle(.character(character)) }
        keys.handle(.tab)
        #expect(state.commandLine?.text == "target ")
        for character in "only q_p" { keys.handle(.character(character)) }
        keys.handle(.tab)
        keys.handle(.enter)
        #expect(session.controller.rules.entries == ["q_proj"])
        keys.handle(.character(":"))
        keys.handle(.up)
        #expect(state.commandLine?.text == "target only q_proj")
        keys.handle(.escape)
        keys.handle(.character("?"))
        let grid = Self.render(session, state)
        #expect(grid.contains("keys · Esc closes"))
        #expect(grid.contains("toggle the module as a target"))
    }

    @Test func theTrainingPanePlotsTheLossWithBrailleAndShowsProgress() throws {
        let session = try TestSession()
        try session.train(steps: 6)
        let state = TUIState()
        let grid = Self.render(session, state, width: 100, height: 30)
        #expect(grid.contains("finished  step 6/6"))
        #expect(grid.contains("100%"))
        #expect(grid.contains("⠂ train  ━ smoothed  ◆ eval"))
        #expect(grid.cells.contains { ("\u{2801}" ... "\u{28FF}").contains($0.character) && $0.role == .train })
        #expect(grid.row(29).contains("trained 6 steps"))
        state.logScale = true
        #expect(Self.render(session, state, width: 100, height: 30).text != grid.text)
    }

    @Test func theRankViewShowsTheHeatMapBudgetCurveAndScrubs() throws {
        let session = try TestSession()
        let run = session.folder.appendingPathComponent("adalora-run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let lines = [(10, 20, [6, 6, 6, 2]), (20, 16, [5, 4, 6, 1]), (30, 12, [4, 1, 5, 2])].map { step, budget, ranks in
            let names = ["model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj", "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj"]
            let modules = zip(names, ranks).map { "{\"name\":\"\($0)\",\"rank\":\($1),\"scores\":[1,1,1,1,1,1]}" }.joined(separator: ",")
            return "{\"event\":\"ranks\",\"step\":\(step),\"budget\":\(budget),\"modules\":[\(modules)]}"
        }
        try (["{\"event\":\"step\",\"step\":1}"] + lines).joined(separator: "\n").write(to: run.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
        let printed = try session.run("ranks \(run.path)")
        #expect(printed.contains("latest allocation at step 30: budget 12 of 24 ranks"))
        #expect(printed.contains("budget by step"))
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        keys.handle(.character("r"))
        var grid = Self.render(session, state, width: 100, height: 30)
        #expect(grid.contains("step 30 (3/3)  budget 12  total rank 12  max 6"))
        #expect(grid.contains("q_proj") && grid.contains("L1"))
        #expect(grid.cells.contains { $0.role == .budget })
        keys.handle(.character("["))
        keys.handle(.character("["))
        grid = Self.render(session, state, width: 100, height: 30)
        #expect(grid.contains("step 10 (1/3)  budget 20"))
    }

    @Test func smoothingAndColoursDegrade() {
        let smoothed = LinePlot.smoothed([4, 2], factor: 0.5)
        #expect(smoothed[0] == 4 && abs(smoothed[1] - 8.0 / 3.0) < 1e-12)
        #expect(ThemeColor("#ff0000")?.index(colors: 256) == 196)
        #expect(ThemeColor("#ff0000")?.index(colors: 8) == 1)
        #expect(ThemeColor("#808080")?.index(colors: 256) == 244)
        #expect(ThemeColor("bright-blue")?.index(colors: 8) == 4)
        #expect(ThemeColor("chartreuse") == nil)
    }
}
