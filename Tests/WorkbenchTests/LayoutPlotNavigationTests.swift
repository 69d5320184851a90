import Foundation
import Testing
@testable import Workbench

/// The layout at 80×24 and 200×60 (no word cut where a shorter form fits, every config field on a
/// tall screen), the loss plot's legibility without colour, and moving around: the training pane's
/// keys, search by type name in any case, previous matches, unfolding a run of blocks.
@Suite(.serialized) struct LayoutPlotNavigationTests {
    static func render(_ session: TestSession, _ state: TUIState, width: Int = 80, height: Int = 24) -> Grid {
        Screen.render(controller: session.controller, state: state, width: width, height: height)
    }

    @Test func at80By24NoTypeNameIsCutAndTheConfigIsSummed() throws {
        let session = try TestSession()
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        for _ in 0 ..< 3 { keys.handle(.right) ; keys.handle(.down) }
        let grid = Self.render(session, state)
        let types = Set(session.controller.workspace!.model.namedModules().map(\.module.typeName))
        for type in types where type != "ModuleList" && grid.contains(String(type.prefix(6))) {
            #expect(grid.contains(type), "\(type) is cut")
        }
        #expect(grid.contains("post_attention_layernorm"))
        #expect(grid.contains("config: "))
        #expect(grid.row(23).contains("trainable 0 of 149,664 (0.00%)"))
    }

    /// Every field of the form is reached by moving down it (the form scrolls, saying what is out of
    /// view), its row shown with its help; End and Home jump to the last and first rows, PgDn pages.
    @Test func at200By60EveryFieldIsReachedInTheFormAndTheLogSitsUnderTheTree() throws {
        let session = try TestSession()
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        state.focus = .config
        let rows = FormRow.all(session.controller)
        #expect(rows.contains { $0.key == "layer_replication" } && rows.contains { $0.key == "runtime_config" })
        var scrolled = false
        for (index, row) in rows.enumerated() {
            #expect(state.configCursor == index)
            let grid = Self.render(session, state, width: 200, height: 60)
            #expect((0 ..< grid.height).contains { grid.row($0).contains(" \(row.key) ") || grid.row($0).contains("*\(row.key) ") }, "\(row.key) is not on screen with the cursor on it")
            #expect(grid.contains(String(row.help(session.controller).prefix(40))), "\(row.key)'s help")
            scrolled = scrolled || grid.contains("── ↑ ")
            keys.handle(.down)
        }
        #expect(scrolled, "the form fits the pane, so this test no longer checks its scrolling")
        keys.handle(.home)
        #expect(state.configCursor == 0)
        keys.handle(.pageDown)
        #expect(state.configCursor == KeyHandler.formPage)
        keys.handle(.end)
        #expect(state.configCursor == rows.count - 1)
        state.focus = .tree
        let grid = Self.render(session, state, width: 200, height: 60)
        let layout = try #require(ScreenLayout(width: 200, height: 60, focus: .tree, treeRows: state.tree.visible.count, configRows: 17))
        #expect(layout.log.x == 0 && layout.tree.height < 58)
    }

    @Test func withoutColourTheCurvesDifferInShapeAndTheAxisHasTicks() throws {
        let session = try TestSession()
        try session.train(steps: 6)
        let state = TUIState()
        var grid = Self.render(session, state, width: 100, height: 30)
        #expect(grid.contains("◆"))
        #expect(grid.contains("⠂ train  ━ smoothed  ◆ eval"))
        #expect(grid.text.filter { $0 == "┤" }.count >= 3)
        #expect(grid.contains("L linear"))
        state.logScale = true
        grid = Self.render(session, state, width: 100, height: 30)
        #expect(grid.contains("L log") && !grid.contains("L linear"))
    }

    @Test func at80By24TheTitleAndTheLegendOfOverlaidRunsTakeShorterWordings() throws {
        let session = try TestSession()
        try session.train(steps: 4)
        try session.train(steps: 4)
        try session.run("runs compare default-1 default-2")
        let state = TUIState()
        let grid = Self.render(session, state)
        let layout = try #require(state.hits.layout)
        let title = grid.row(layout.training.y), legend = grid.row(layout.training.maxY - 2)
        // The key hint goes before a word is cut; the current run is named beside the overlaid one.
        #expect(title.contains("training · L linear · M smooth 0.6") && !title.contains("…"), "\(title)")
        #expect(legend.contains("━ default-2") && legend.contains("A default-1") && !legend.contains("…"), "\(legend)")
        // Wide enough, the full wordings are back.
        let wide = Self.render(session, state, width: 200, height: 60)
        #expect(wide.contains("· r ranks") && wide.contains("⠂ raw  ━ default-2  ◆ eval  A default-1"), "\(wide.text)")
    }

    @Test func aRawSpikeDoesNotSetTheScaleOfTheSmoothedCurve() {
        let raw = LinePlot.Series(points: [(1, 1), (2, 100), (3, 1)], role: .dim, style: .dots, setsScale: false)
        let smooth = LinePlot.Series(points: [(1, 1), (2, 2), (3, 1.5)], role: .train)
        var grid = Grid(width: 40, height: 10)
        LinePlot(series: [raw, smooth], xRange: 1 ... 3).draw(into: &grid, rect: Rect(x: 0, y: 0, width: 40, height: 10))
        #expect(grid.row(0).contains(" 2┤"))
        #expect(!grid.contains("100"))
    }

    @Test func theTrainingPaneTakesItsOwnKeysAndItsCursorShowsAStep() throws {
        let session = try TestSession()
        try session.train(steps: 6)
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        _ = Self.render(session, state, width: 100, height: 30)
        keys.handle(.tab)
        keys.handle(.tab)
        #expect(state.focus == .training)
        let cursor = state.tree.cursor
        keys.handle(.character("j"))
        #expect(state.tree.cursor == cursor)
        keys.handle(.left)
        keys.handle(.left)
        #expect(state.plotCursor == 5)
        #expect(Self.render(session, state, width: 100, height: 30).contains("at step 5: loss"))
        keys.handle(.character("z"))
        #expect(Self.render(session, state, width: 100, height: 30).contains("z last 50"))
    }

    @Test func searchFindsTypeNamesInAnyCaseGoesBackAndUnfoldsBlocks() throws {
        let session = try TestSession()
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        _ = Self.render(session, state)
        func search(_ text: String) {
            keys.handle(.character("/"))
            for character in text { keys.handle(.character(character)) }
            keys.handle(.enter)
        }
        search("LLAMAMLP")
        #expect(state.tree.current?.path == "model.layers.0.mlp")
        search("proj")
        let first = state.tree.current?.path
        keys.handle(.character("n"))
        keys.handle(.character("N"))
        #expect(state.tree.current?.path == first)
        search("layers.1.self_attn.v")
        #expect(state.tree.current?.path == "model.layers.1.self_attn.v_proj")
        keys.handle(.character(" "))
        #expect(session.controller.rules.excluded == ["model.layers.1.self_attn.v_proj"])
    }

    @Test func fUnfoldsARunOfBlocksSoOneLayerCanBeTargeted() throws {
        let session = try TestSession()
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        _ = Self.render(session, state)
        keys.handle(.character("/"))
        for character in "layers.0-1" { keys.handle(.character(character)) }
        keys.handle(.enter)
        keys.handle(.character("f"))
        let grid = Self.render(session, state)
        #expect(grid.contains("layers.1") && !grid.contains("layers.0-1"), "\(grid.text)")
        keys.handle(.character("f"))
        #expect(Self.render(session, state).contains("layers.0-1 (×2)"))
    }
}
