/// Where the log is scrolled to, its pager and its search: the view state of the log pane.
public struct LogView: Equatable, Sendable {
    /// Rows scrolled back from the newest (0 follows the log as it grows).
    public var back = 0
    /// The pager shows the log full screen.
    public var pager = false
    /// The last search in the log (its matches are highlighted).
    public var search = ""
    /// The row of the match `n` / `N` moved to last.
    public var match: Int?

    /// The first row shown in a pane of `height` rows.
    func top(rows: Int, height: Int) -> Int {
        max(0, rows - height - min(back, max(0, rows - height)))
    }

    /// Scrolls by `rows` (positive: back in time), kept within the log.
    mutating func scroll(by rows: Int, total: Int, height: Int) {
        back = min(max(0, back + rows), max(0, total - height))
    }

    /// Scrolls so that row `index` is shown, near the middle.
    mutating func show(row index: Int, total: Int, height: Int) {
        back = min(max(0, total - height - max(0, index - height / 2)), max(0, total - height))
    }
}
