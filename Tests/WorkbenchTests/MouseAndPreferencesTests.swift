import Foundation
import Testing
@testable import Workbench

/// The mouse (a click focuses a pane and selects the line under it, the wheel scrolls) and the
/// preferences kept between sessions (parsed strictly, written whole then renamed, fuzzed).
@Suite struct MouseAndPreferencesTests {
    /// The screen row holding `text` (the first).
    static func row(of text: String, in grid: Grid) -> Int? { (0 ..< grid.height).first { grid.row($0).contains(text) } }

    @Test func aClickSelectsInTheTreeAndTheFormAndTheWheelScrolls() throws {
        let session = try TestSession()
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        var grid = Screen.render(controller: session.controller, state: state, width: 120, height: 36)
        let vRow = try #require(Self.row(of: "v_proj", in: grid))
        keys.handle(.mouse(MouseEvent(.click, x: 10, y: vRow)))
        #expect(state.focus == .tree && state.tree.current?.path.hasSuffix("self_attn.v_proj") == true)
        grid = Screen.render(controller: session.controller, state: state, width: 120, height: 36)
        // The form: a click on lora_dropout focuses the form on that row.
        let layout = try #require(state.hits.layout?.config)
        let dropoutRow = try #require((layout.y ..< layout.maxY).first { grid.row($0).contains("lora_dropout") })
        keys.handle(.mouse(MouseEvent(.click, x: layout.x + 3, y: dropoutRow)))
        #expect(state.focus == .config)
        #expect(FormRow.all(session.controller)[state.configCursor].key == "lora_dropout")
        keys.handle(.mouse(MouseEvent(.wheelDown, x: layout.x + 3, y: dropoutRow)))
        #expect(FormRow.all(session.controller)[state.configCursor].key == FormRow.all(session.controller)[3 + FormRow.all(session.controller).firstIndex { $0.key == "lora_dropout" }!].key)
        // The log: a click focuses it, the wheel scrolls it back and forth.
        for index in 0 ..< 40 { try session.run("help \(index % 2 == 0 ? "train" : "config")") }
        grid = Screen.render(controller: session.controller, state: state, width: 120, height: 36)
        let log = try #require(state.hits.layout?.log)
        keys.handle(.mouse(MouseEvent(.click, x: log.x + 2, y: log.y + 1)))
        #expect(state.focus == .log)
        grid = Screen.render(controller: session.controller, state: state, width: 120, height: 36)
        let logNow = try #require(state.hits.layout?.log)
        keys.handle(.mouse(MouseEvent(.wheelUp, x: logNow.x + 2, y: logNow.y + 1)))
        #expect(state.log.back == KeyHandler.wheelStep)
        keys.handle(.mouse(MouseEvent(.wheelDown, x: logNow.x + 2, y: logNow.y + 1)))
        #expect(state.log.back == 0)
        // While a line is typed the mouse waits.
        keys.handle(.character(":"))
        keys.handle(.mouse(MouseEvent(.click, x: 10, y: vRow)))
        #expect(state.focus == .log && state.commandLine != nil)
    }

    @Test func aClickOnTheLossPlotPutsTheCursorOnThatStep() throws {
        let session = try TestSession()
        try session.train(steps: 6)
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        var grid = Screen.render(controller: session.controller, state: state, width: 100, height: 30)
        let (plot, area) = try #require(state.hits.lossPlot)
        // A click above the plot (the headline) moves nothing.
        keys.handle(.mouse(MouseEvent(.click, x: area.x + 2, y: area.y - 2)))
        #expect(state.focus == .training && state.plotCursor == nil)
        let span = plot.xRange.upperBound - plot.xRange.lowerBound
        for step in [1, 3, 6, 2] {
            // The column the drawing puts the step in, one dot to its right where there is room.
            let pixel = Int(((Double(step) - plot.xRange.lowerBound) / span * Double(area.width * 2 - 1)).rounded())
            keys.handle(.mouse(MouseEvent(.click, x: area.x + min(pixel + 1, area.width * 2 - 1) / 2, y: area.y + area.height / 2)))
            #expect(state.plotCursor == step)
            grid = Screen.render(controller: session.controller, state: state, width: 100, height: 30)
            #expect(grid.contains("at step \(step): loss"), "\(grid.text)")
        }
        // The keyboard goes on from the clicked step.
        keys.handle(.right)
        #expect(state.plotCursor == 3)
    }

    @Test func preferencesAreReadStrictlyAndWrittenWhole() throws {
        let session = try TestSession()
        var preferences = Preferences()
        (preferences.theme, preferences.smoothing, preferences.logScale, preferences.treeWidth, preferences.mouse) = ("mono", 0.9, true, 48, false)
        let file = session.folder.appendingPathComponent("config/lorakit/preferences")
        try preferences.write(to: file)
        #expect(Preferences.load(from: file) == (preferences, nil))
        let folder = try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path)
        #expect(folder == ["preferences"], "no temporary file is left: \(folder)")
        #expect(Preferences.load(from: session.folder.appendingPathComponent("none")) == (Preferences(), nil))
        #expect(throws: Preferences.Problem(description: "p:2: unknown key smothing; did you mean smoothing?")) {
            try Preferences(parsing: "theme = mono\nsmothing = 0.5", source: "p")
        }
        #expect(throws: Preferences.Problem(description: "p:1: tree_width must be a whole number of percent in 24...60, got 90")) {
            try Preferences(parsing: "tree_width = 90 # too wide", source: "p")
        }
        try "mouse = perhaps\n".write(to: file, atomically: true, encoding: .utf8)
        let damaged = Preferences.load(from: file)
        #expect(damaged.preferences == Preferences() && damaged.problem?.contains("mouse must be true or false, got perhaps") == true)
    }

    @Test func theTuiStateTakesAndGivesItsPreferences() {
        let state = TUIState()
        var preferences = Preferences()
        (preferences.smoothing, preferences.logScale, preferences.treeWidth, preferences.mouse) = (0, true, 52, false)
        state.apply(preferences)
        #expect(state.preferences(theme: "default") == preferences)
        let keys = KeyHandler(controller: Controller(), state: state)
        keys.handle(.character("<"))
        keys.handle(.character("m"))
        #expect(state.treeWidth == 48 && state.mouse)
        let wide = ScreenLayout(width: 120, height: 36, focus: .tree, treePercent: 48)
        let standard = ScreenLayout(width: 120, height: 36, focus: .tree)
        #expect((wide?.tree.width ?? 0) > (standard?.tree.width ?? 0))
    }

    /// Random and mutated files: a preferences value or a `Problem`, never a crash.
    @Test func damagedPreferencesNeverCrash() {
        let valid = Preferences().text
        var random = SplitMix(seed: 11)
        var refused = 0
        for round in 0 ..< 500 {
            var bytes = Array(valid.utf8)
            for _ in 0 ..< round % 5 + 1 {
                let index = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes[index] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes.remove(at: index)
                default: bytes.insert(UInt8(truncatingIfNeeded: random.next() % 128), at: index)
                }
            }
            if round % 10 == 0 { bytes = (0 ..< Int(random.next() % 200)).map { _ in UInt8(truncatingIfNeeded: random.next()) } }
            do { _ = try Preferences(parsing: String(decoding: bytes, as: UTF8.self), source: "fuzz") } catch is Preferences.Problem {
                refused += 1
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        #expect(refused > 100 && refused < 500, "both outcomes were exercised: \(refused) refused")
    }
}
