import Foundation
import Testing
@testable import Workbench

/// What a walk-through at 80×24 found: the overlay-only header and the stats line keep their
/// words and numbers, a stopped generation's text comes before the stop in the log, a replay says
/// `replayed` once its last run ended, and every method's layers show PEFT's class name in the tree.
@Suite(.serialized) struct WalkthroughDefectsTests {
    /// The row of `grid` holding `text`.
    static func row(_ grid: Grid, holding text: String) throws -> String {
        let y = try #require((0 ..< grid.height).first { grid.row($0).contains(text) }, "no row holds \(text):\n\(grid.text)")
        return grid.row(y)
    }

    @Test func theOverlayOnlyHeaderTakesAShorterWordingAt80x24() throws {
        let session = try TestSession()
        try session.train(steps: 2)
        try session.run("adapter new second")
        try session.train(steps: 2)
        // A new session on the same runs folder: the overlaid runs alone fill the training pane.
        let fresh = Controller(environment: session.controller.environment)
        try fresh.execute("runs compare default-1 second-1")
        let grid = Screen.render(controller: fresh, state: TUIState(), width: 80, height: 24)
        let header = try Self.row(grid, holding: "2 runs overlaid")
        #expect(header.contains("runs compare clear") && !header.contains("…"), "\(grid.text)")
        #expect(try Self.row(grid, holding: "A default-1").contains("B second-1"))
    }

    @Test func theStatsLineKeepsGradNormAndTokensPerSecondAt80x24() throws {
        let session = try TestSession()
        try session.train(steps: 4)
        let state = TUIState()
        var stats = try Self.row(Screen.render(controller: session.controller, state: state, width: 80, height: 24), holding: "loss ")
        #expect(stats.contains("eval ") && stats.contains("grad ") && stats.contains(" tok/s") && !stats.contains("…"), "\(stats)")
        state.plotCursor = 2
        stats = try Self.row(Screen.render(controller: session.controller, state: state, width: 80, height: 24), holding: "loss ")
        #expect(stats.contains("step 2:") && stats.contains("eval ") && stats.contains("grad ") && !stats.contains("…"), "\(stats)")
        let wide = try Self.row(Screen.render(controller: session.controller, state: TUIState(), width: 200, height: 60), holding: "loss ")
        #expect(wide.contains("  lr ") && wide.contains(" tok/s"), "a wide pane shows every field: \(wide)")
    }

    @Test func aShortTrainingPaneDoesNotSayItWaitsForAFirstStepItHas() throws {
        let session = try TestSession()
        try session.train(steps: 2)
        let state = TUIState()
        state.focus = .config
        let grid = Screen.render(controller: session.controller, state: state, width: 80, height: 24)
        #expect(grid.contains("finished  step 2/2") && !grid.contains("waiting for the first step"), "\(grid.text)")
    }

    @Test func theKeysHelpTakesShorterWordingsAt80x24() throws {
        let session = try TestSession()
        let state = TUIState()
        state.showHelp = true
        let grid = Screen.render(controller: session.controller, state: state, width: 80, height: 24)
        #expect(grid.contains("stop a generation, a replay, or the run"), "\(grid.text)")
        #expect(!grid.text.contains("…"), "\(grid.text)")
    }

    @Test func beforeAnyRunTheTrainingPaneSaysHowToChangeTheSettingsAt80x24() throws {
        let session = try TestSession()
        let grid = Screen.render(controller: session.controller, state: TUIState(), width: 80, height: 24)
        #expect(grid.contains("no run yet: t trains the active adapter"), "\(grid.text)")
        #expect(grid.contains(":recipe set KEY=VALUE") && grid.contains("changes them"), "the last line is not left out: \(grid.text)")
    }

    @Test func aFocusedLogUnderAShortTreeTakesTheRowsTheTreeLeavesEmpty() throws {
        let tree = try #require(ScreenLayout(width: 200, height: 60, focus: .tree, treeRows: 20))
        let log = try #require(ScreenLayout(width: 200, height: 60, focus: .log, treeRows: 20))
        #expect(tree.log.x == 0 && log.log.x == 0, "the log is under the tree")
        #expect(log.tree.height == 22 && log.log.y == 22 && log.log.height == 58 - 22, "\(log)")
        #expect(tree.log.height < log.log.height)
    }

    @Test func aStoppedGenerationsTextComesBeforeTheStopLine() throws {
        let session = try TestSession()
        let controller = session.controller
        controller.generatesInBackground = true
        try session.run("generate \"A day\" max_new_tokens=100000")
        try waitUntil("a few tokens") { (controller.generation?.text.count ?? 0) > "A day".count + 8 }
        // A command given meanwhile comes after the text made before it, which the live line no longer repeats.
        try session.run("help stop")
        #expect(controller.generation?.pending.hasPrefix("A day") == false)
        KeyHandler(controller: controller, state: TUIState()).handle(.character("x"))
        try waitUntil("x to stop the generation") { controller.log.entries.last?.text == "(stopped)" }
        let entries = controller.log.entries
        let help = try #require(entries.firstIndex { $0.kind == .command && $0.text == "help stop" })
        let stop = try #require(entries.lastIndex { $0.kind == .command && $0.text == "stop" })
        let generated = entries.indices.filter { entries[$0].kind == .generated }
        #expect(generated.first.map { $0 < help } == true && entries[generated[0]].text.hasPrefix("A day"), "\(entries)")
        #expect(!generated.isEmpty && generated.allSatisfy { $0 < stop }, "nothing generated is logged after the stop: \(entries)")
        #expect(entries.suffix(2).map(\.text) == ["stopping the generation", "(stopped)"], "\(entries)")
        #expect(controller.generation?.phase == .stopped)
    }

    @Test func aReplayEndingWithARunSaysReplayedWhenTheRunHasFinished() throws {
        let session = try TestSession()
        let controller = session.controller
        let state = TUIState()
        state.scripts.append(SessionPlayer(script: SessionScript(text: "config set r 2\ntrain max_steps=6 batch_size=2 seq_len=16\n", path: "run.lks")))
        let deadline = Date().addingTimeInterval(120)
        var sawTheRunGoing = false
        while !state.scripts.isEmpty {
            try #require(Date() < deadline, "the replay did not end")
            state.playScripts(controller)
            if controller.isTraining { sawTheRunGoing = true }
            if state.message == "replayed run.lks" { #expect(!controller.isTraining, "replayed while its run still trains") }
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(sawTheRunGoing)
        #expect(state.message == "replayed run.lks")
        #expect(controller.job?.progress.phase == .completed)
    }

    /// Each method's adapter layer as PEFT names its class, and the config lines that make its
    /// adapter on the small model.
    static let methods: [(method: String, setup: [String], typeName: String)] = [
        ("lora", [], "lora.Linear"),
        ("adalora", ["config set init_r 4", "config set target_r 2"], "adalora.SVDLinear"),
        ("loha", ["config set r 2"], "loha.Linear"),
        ("lokr", ["config set r 2"], "lokr.Linear"),
        ("vblora", ["config set num_vectors 16", "config set vector_length 8"], "vblora.Linear"),
        ("randlora", ["config set r 8"], "randlora.Linear"),
    ]

    @Test(arguments: methods.indices)
    func everyMethodsLayersShowPEFTsClassNameInTheTree(index: Int) throws {
        let (method, setup, typeName) = Self.methods[index]
        let session = try TestSession()
        try session.run("method \(method)")
        for line in setup { try session.run(line) }
        try session.run("target add gate_proj")
        try session.run("adapter new tuned")
        for (width, height) in [(80, 24), (200, 60)] {
            let grid = Screen.render(controller: session.controller, state: TUIState(), width: width, height: height)
            // The tree pane's part of a row.
            let treeWidth = try #require(ScreenLayout(width: width, height: height, focus: .tree)).tree.width
            func treeRow(holding text: String) throws -> String { String(try Self.row(grid, holding: text).prefix(treeWidth)) }
            let tree = try treeRow(holding: "● q_proj")
            #expect(tree.contains(" \(typeName)"), "\(width)×\(height): \(grid.text)")
            // A longer name and a longer class: the method alone when the whole does not fit, never a cut word.
            let mlp = try treeRow(holding: "● gate_proj")
            let method = String(typeName.prefix { $0 != "." })
            #expect(mlp.contains(" \(typeName)") || (mlp.contains(" \(method)") && !mlp.contains(method + ".")), "\(width)×\(height): \(grid.text)")
            #expect(!mlp.contains("…") && !tree.contains("…"))
        }
    }
}
