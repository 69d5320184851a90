/// Where the last frame put things, so a mouse event finds what it landed on: the panes, the
/// screen rows of the tree's lines and the form's rows, and the loss plot.
struct HitMap {
    var layout: ScreenLayout?
    /// Screen row → position in the tree's visible lines.
    var treeRows: [Int: Int] = [:]
    /// Screen row → index of the config form's row (`FormRow.all`).
    var formRows: [Int: Int] = [:]
    /// The loss plot of the current run and the area of its curves.
    var lossPlot: (plot: LinePlot, area: Rect)?

    /// The pane under the cell, as the focus it gives (the detail pane belongs to the tree).
    func pane(x: Int, y: Int) -> TUIState.Focus? {
        guard let layout else { return nil }
        let panes: [(Rect?, TUIState.Focus)] = [(layout.tree, .tree), (layout.detail, .tree), (layout.config, .config),
                                                 (layout.training, .training), (layout.log, .log)]
        return panes.first { rect, _ in rect.map { $0.contains(x: x, y: y) } ?? false }?.1
    }
}

extension Rect {
    /// Whether the cell is inside.
    func contains(x: Int, y: Int) -> Bool { x >= self.x && x < self.x + width && y >= self.y && y < maxY }
}
