/// Where each pane goes for a terminal size: the module tree on the left; detail, config, training
/// and log on the right (detail and config share a slot below 40 rows, switched by focus); the
/// command line and the status line at the bottom. Needs at least 80 × 24.
public struct ScreenLayout: Equatable {
    public static let minimumWidth = 80, minimumHeight = 24

    public var tree: Rect
    public var detail: Rect?
    public var config: Rect?
    public var training: Rect
    public var log: Rect
    public var commandLine: Rect
    public var status: Rect

    /// The layout for `width` × `height`, or nil when the terminal is too small.
    public init?(width: Int, height: Int, focus: TUIState.Focus) {
        guard width >= Self.minimumWidth, height >= Self.minimumHeight else { return nil }
        let body = height - 2
        let treeWidth = min(60, max(32, width * 36 / 100))
        let right = Rect(x: treeWidth, y: 0, width: width - treeWidth, height: body)
        tree = Rect(x: 0, y: 0, width: treeWidth, height: body)
        commandLine = Rect(x: 0, y: body, width: width, height: 1)
        status = Rect(x: 0, y: body + 1, width: width, height: 1)
        let logHeight = max(5, body / 5)
        if body >= 38 {
            detail = Rect(x: right.x, y: 0, width: right.width, height: 9)
            config = Rect(x: right.x, y: 9, width: right.width, height: 12)
            training = Rect(x: right.x, y: 21, width: right.width, height: body - 21 - logHeight)
        } else {
            let top = Rect(x: right.x, y: 0, width: right.width, height: focus == .config ? 11 : 8)
            if width >= 150 {
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
        log = Rect(x: right.x, y: body - logHeight, width: right.width, height: logHeight)
        if focus == .log {
            // The focused log takes the training pane's place too.
            log = Rect(x: right.x, y: training.y, width: right.width, height: body - training.y)
            training = Rect(x: right.x, y: training.y, width: right.width, height: 0)
        }
    }
}
