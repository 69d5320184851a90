/// Where each pane goes for a terminal size: the module tree on the left; detail, config, training
/// and log on the right; the command line and the status line at the bottom. Below 40 rows detail
/// and config share a slot (side by side from 110 columns, else switched by focus); on a tall
/// terminal the config form gets a row per field and, when the tree is shorter than the screen,
/// the log goes under the tree. A focused log takes the training pane's room (under the tree, the
/// rows the tree leaves empty). Needs 80 × 24.
public struct ScreenLayout: Equatable {
    public static let minimumWidth = 80, minimumHeight = 24

    public var tree: Rect
    public var detail: Rect?
    public var config: Rect?
    public var training: Rect
    public var log: Rect
    public var commandLine: Rect
    public var status: Rect

    /// The layout for `width` × `height`, or nil when the terminal is too small. `treeRows` and
    /// `configRows` are how many lines the tree and the config form have to show; the tree's width
    /// is scaled by `treePercent` / 36 (36: a third of the width, 34 to 60 columns), leaving 44.
    public init?(width: Int, height: Int, focus: TUIState.Focus, treeRows: Int = .max, configRows: Int = 17, treePercent: Int = 36) {
        guard width >= Self.minimumWidth, height >= Self.minimumHeight else { return nil }
        let body = height - 2
        let standard = min(60, max(34, width * 36 / 100))
        let treeWidth = min(width - 44, max(24, standard * treePercent / 36))
        let right = Rect(x: treeWidth, y: 0, width: width - treeWidth, height: body)
        tree = Rect(x: 0, y: 0, width: treeWidth, height: body)
        commandLine = Rect(x: 0, y: body, width: width, height: 1)
        status = Rect(x: 0, y: body + 1, width: width, height: 1)
        let logHeight = max(5, body / 5)
        var logUnderTree = false
        if body >= 38 {
            detail = Rect(x: right.x, y: 0, width: right.width, height: 9)
            logUnderTree = treeRows <= body - 2 - logHeight - 4
            // The training pane keeps 15 rows; the form scrolls when its rows do not fit.
            let configHeight = max(12, min(configRows + 4, body - 9 - 15 - (logUnderTree ? 0 : logHeight)))
            config = Rect(x: right.x, y: 9, width: right.width, height: configHeight)
            let trainingHeight = body - config!.maxY - (logUnderTree ? 0 : logHeight)
            training = Rect(x: right.x, y: config!.maxY, width: right.width, height: trainingHeight)
        } else {
            let top = Rect(x: right.x, y: 0, width: right.width, height: focus == .config ? 11 : 8)
            if width >= 110 {
                detail = Rect(x: top.x, y: 0, width: top.width / 2, height: 11)
                config = Rect(x: top.x + top.width / 2, y: 0, width: top.width - top.width / 2, height: 11)
            } else if focus == .config {
                config = top
            } else {
                detail = top
            }
            let below = (detail ?? config)!.maxY
            training = Rect(x: right.x, y: below, width: right.width, height: body - below - logHeight)
        }
        if logUnderTree {
            // Focused, the log takes the rows the tree leaves empty.
            let treeHeight = focus == .log ? treeRows + 2 : max(treeRows + 2, body - max(logHeight, body / 3))
            tree = Rect(x: 0, y: 0, width: treeWidth, height: treeHeight)
            log = Rect(x: 0, y: treeHeight, width: treeWidth, height: body - treeHeight)
        } else {
            log = Rect(x: right.x, y: body - logHeight, width: right.width, height: logHeight)
            if focus == .log {
                log = Rect(x: right.x, y: training.y, width: right.width, height: body - training.y)
                training = Rect(x: right.x, y: training.y, width: right.width, height: 0)
            }
        }
    }
}
