/// The tail of the session log: commands, their output, errors and training reports.
enum LogPane {
    static func draw(into grid: inout Grid, rect: Rect, controller: Controller) {
        grid.box(rect, title: "log")
        let inner = rect.inner
        for (offset, entry) in controller.log.tail(inner.height).enumerated() {
            let (text, role): (String, ThemeRole)
            switch entry.kind {
            case .command: (text, role) = ("> " + entry.text, .command)
            case .output: (text, role) = (entry.text, .text)
            case .error: (text, role) = (entry.text, .error)
            case .training: (text, role) = (entry.text, .accent)
            }
            grid.put(text, x: inner.x, y: inner.y + offset, role: role, limit: inner.width)
        }
    }
}
