/// The `?` overlay: every key of the TUI, and how to reach the command language.
enum HelpOverlay {
    static let keys: [(String, String)] = [
        ("↑↓ jk g G PgUp/Dn", "move in the tree or the config form; top, bottom, page"),
        ("→ ← l h  Enter", "expand / collapse a module (Enter edits a config field)"),
        ("space", "toggle the module as a target (`target add/remove`)"),
        ("/  n N", "search modules (name or type, any case), next / previous match"),
        ("f", "unfold a run of identical blocks to target one layer (again: fold)"),
        ("Tab", "switch pane: modules, config, training, log"),
        ("log: ↑↓ PgUp PgDn", "scroll the log back (g G: oldest, newest)"),
        ("log: / n N  Enter", "search the log, older / newer match; full-screen pager"),
        ("u", "undo the last target or config change (config form: reset the field)"),
        ("t", "train the active adapter (`train`)"),
        ("x", "stop a generation, a replayed script, or the run at the end of its step"),
        ("L M  < >  m", "log scale, smoothing; tree width; mouse on/off (all kept for next time)"),
        ("training: ←→  z", "loss plot: cursor over the steps (values shown), zoom to the last 50"),
        ("r  [ ]", "AdaLoRA rank view, scrub through the steps"),
        ("i", "adapter inspector of the module under the cursor (`inspect`)"),
        ("w  R", "save the adapters (`save DIR`); the run list in the log (`runs`)"),
        (":", "command line: every command, Tab completes, ↑ history"),
        ("?  Esc  q", "this help, close; q quits (asks first: a run going, adapters not saved)"),
    ]

    static func draw(into grid: inout Grid) {
        let width = min(grid.width - 4, 84), height = min(grid.height - 2, keys.count + 5)
        let rect = Rect(x: (grid.width - width) / 2, y: (grid.height - height) / 2, width: width, height: height)
        grid.fill(rect)
        grid.box(rect, title: "keys · Esc closes", focused: true)
        for (offset, (key, meaning)) in keys.prefix(height - 4).enumerated() {
            grid.put(key, x: rect.x + 2, y: rect.y + 1 + offset, role: .accent)
            grid.put(TextWrap.fit(meaning, width: width - 22), x: rect.x + 20, y: rect.y + 1 + offset)
        }
        grid.put(":help lists the commands; :help COMMAND explains one", x: rect.x + 2, y: rect.maxY - 2, role: .dim, limit: width - 4)
    }

    /// The question asked before quitting.
    static func drawQuitQuestion(_ question: String, into grid: inout Grid) {
        let text = String(question.prefix(grid.width - 4))
        let rect = Rect(x: (grid.width - text.count - 4) / 2, y: grid.height / 2 - 1, width: text.count + 4, height: 3)
        grid.fill(rect)
        grid.box(rect, title: "quit", focused: true)
        grid.put(text, x: rect.x + 2, y: rect.y + 1, role: .error)
    }
}
