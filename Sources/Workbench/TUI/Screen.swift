/// The whole screen for the controller's state and the TUI's view state, drawn into a grid.
public enum Screen {
    public static func render(controller: Controller, state: TUIState, width: Int, height: Int) -> Grid {
        state.sync(with: controller)
        var grid = Grid(width: width, height: height)
        if state.log.pager, width >= 20, height >= 4 {
            state.hits = HitMap()
            state.logGeometry = (width, height - 1)
            LogPane.drawPager(into: &grid, controller: controller, state: state)
            if state.searchLine != nil || state.commandLine != nil {
                StatusBar.drawCommandLine(into: &grid, rect: Rect(x: 0, y: height - 1, width: width, height: 1), state: state)
            }
            return grid
        }
        guard let layout = ScreenLayout(width: width, height: height, focus: state.focus, treeRows: state.tree.visible.count,
                                        configRows: ConfigPane.lineCount(controller), treePercent: state.treeWidth) else {
            grid.put("lorakit needs at least \(ScreenLayout.minimumWidth)×\(ScreenLayout.minimumHeight); this terminal is \(width)×\(height)",
                     x: 0, y: 0, role: .error, limit: width)
            return grid
        }
        state.hits = HitMap(layout: layout)
        TreePane.draw(into: &grid, rect: layout.tree, controller: controller, state: state)
        if let detail = layout.detail {
            DetailPane.draw(into: &grid, rect: detail, controller: controller, state: state, showsConfig: layout.config == nil)
        }
        if let config = layout.config { ConfigPane.draw(into: &grid, rect: config, controller: controller, state: state) }
        if layout.training.height < 3 {
            // The focused log has the space.
        } else if state.inspector.isShown {
            InspectorPane.draw(into: &grid, rect: layout.training, controller: controller, state: state)
        } else if state.showRanks {
            RanksPane.draw(into: &grid, rect: layout.training, controller: controller, state: state)
        } else {
            TrainingPane.draw(into: &grid, rect: layout.training, controller: controller, state: state)
        }
        state.logGeometry = (layout.log.inner.width, layout.log.inner.height)
        LogPane.draw(into: &grid, rect: layout.log, controller: controller, state: state)
        StatusBar.drawCommandLine(into: &grid, rect: layout.commandLine, state: state)
        StatusBar.drawStatus(into: &grid, rect: layout.status, controller: controller)
        if state.showHelp { HelpOverlay.draw(into: &grid) }
        if let question = state.confirmingQuit { HelpOverlay.drawQuitQuestion(question, into: &grid) }
        return grid
    }
}
