/// What the mouse does: a click focuses the pane under it and selects the tree line or form row
/// it is on, or puts the loss plot's cursor on the step nearest the click; the wheel moves the tree or form cursor, or scrolls the log (and the pager), three
/// lines a notch.
extension KeyHandler {
    static let wheelStep = 3

    func handleMouse(_ event: MouseEvent) {
        let step = event.action == .wheelUp ? -Self.wheelStep : Self.wheelStep
        if state.log.pager {
            if event.action != .click { scrollLog(by: -step) }
            return
        }
        guard let pane = state.hits.pane(x: event.x, y: event.y) else { return }
        switch event.action {
        case .click:
            state.focus = pane
            if pane == .tree, let position = state.hits.treeRows[event.y] { state.tree.move(by: position - state.tree.cursor) }
            if pane == .config, let row = state.hits.formRows[event.y] { state.configCursor = row }
            if pane == .training, let (plot, area) = state.hits.lossPlot, area.contains(x: event.x, y: event.y) {
                let x = plot.x(atColumn: event.x, of: area)
                let steps = controller.job?.progress.steps.map(\.step) ?? []
                state.plotCursor = steps.min { abs(Double($0) - x) < abs(Double($1) - x) }
            }
        case .wheelUp, .wheelDown:
            switch pane {
            case .tree: state.tree.move(by: step)
            case .config: state.configCursor = min(max(0, state.configCursor + step), FormRow.all(controller).count - 1)
            case .log: scrollLog(by: -step)
            case .training: break
            }
        }
    }

    /// Scrolls the log `rows` back (negative: forward).
    private func scrollLog(by rows: Int) {
        let (width, height) = state.logGeometry
        state.log.scroll(by: rows, total: LogRows(controller: controller, width: width).rows.count, height: height)
    }
}
