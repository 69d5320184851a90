/// The `?` overlay: every key of the TUI, and how to reach the command language.
enum HelpOverlay {
    /// Each key, what it does, and a shorter wording for a narrow screen when the first is long.
    static let keys: [(key: String, meaning: String, short: String?)] = [
        ("↑↓ jk g G PgUp/Dn", "move in the tree or the config form; top, bottom, page", nil),
        ("→ ← l h  Enter", "expand / collapse a module (Enter edits a config field)", "expand / collapse a module; Enter edits a field"),
        ("space", "toggle the module as a target (`target add/remove`)", nil),
        ("/  n N", "search modules (name or type, any case), next / previous match", "search modules by name or type; next / previous"),
        ("f", "unfold a run of identical blocks to target one layer (again: fold)", "unfold identical blocks to target one layer"),
        ("Tab", "switch pane: modules, config, training, log", nil),
        ("log: ↑↓ PgUp PgDn", "scroll the log back (g G: oldest, newest)", nil),
        ("log: / n N  Enter", "search the log, older / newer match; full-screen pager", nil),
        ("u", "undo the last target or config change (config form: reset the field)", "undo a target or config change (form: reset field)"),
        ("t", "train the active adapter (`train`)", nil),
        ("x", "stop a generation, a replayed script, or the run at the end of its step", "stop a generation, a replay, or the run (at a step)"),
        ("L M  < >  m", "log scale, smoothing; tree width; mouse on/off (all kept for next time)", "log scale, smoothing; tree width; mouse (all kept)"),
        ("training: ←→  z", "loss plot: cursor over the steps (values shown), zoom to the last 50", "loss plot: step cursor with values; zoom to last 50"),
        ("r  [ ]", "AdaLoRA rank view, scrub through the steps", nil),
        ("i", "adapter inspector of the module under the cursor (`inspect`)", "adapter inspector of the module (`inspect`)"),
        ("w  R", "save the adapters (`save DIR`); the run list in the log (`runs`)", "save the adapters (`save DIR`); run list (`runs`)"),
        (":", "command line: every command, Tab completes, ↑ history", nil),
        ("?  Esc  q", "this help, close; q quits (asks first: a run going, adapters not saved)", "this help, close; quit (asks first if work is lost)"),
    ]

    static func draw(into grid: inout Grid) {
        let width = min(grid.width - 4, 84), height = min(grid.height - 2, keys.count + 5)
        let rect = Rect(x: (grid.width - width) / 2, y: (grid.height - height) / 2, width: width, height: height)
        grid.fill(rect)
        grid.box(rect, title: "keys · Esc closes", focused: true)
        for (offset, entry) in keys.prefix(height - 4).enumerated() {
            grid.put(entry.key, x: rect.x + 2, y: rect.y + 1 + offset, role: .accent)
            grid.put(TextWrap.first(of: [entry.meaning] + (entry.short.map { [$0] } ?? []), fitting: width - 22), x: rect.x + 20, y: rect.y + 1 + offset)
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
