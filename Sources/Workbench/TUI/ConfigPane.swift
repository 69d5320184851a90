/// The config form: the current method's fields, then the training settings under a heading, with
/// their values (`*` where changed from the default), editable in place with the validation message
/// shown as you type (the same check `config set` and `recipe set` make), and the selected row's help.
/// A form taller than its pane scrolls with the cursor (and pages with PgUp/PgDn).
enum ConfigPane {
    /// The heading between the adapter config and the training settings.
    static let settingsHeading = "── training · recipe set KEY=VALUE"

    /// Lines the form needs to show every row (the heading included).
    static func lineCount(_ controller: Controller) -> Int { FormRow.all(controller).count + 1 }

    static func draw(into grid: inout Grid, rect: Rect, controller: Controller, state: TUIState) {
        let draft = controller.draft
        let title = "\(draft.method.name) config + training"
        grid.box(rect, title: TextWrap.first(of: [title + " · Enter edits, u resets", title + " · Enter edits", title], fitting: rect.width - 6),
                 focused: state.focus == .config)
        let inner = rect.inner
        let rows = FormRow.all(controller)
        let configCount = draft.method.fields.count
        // Display lines: the rows with the heading before the first setting.
        let lines: [FormRow?] = rows.prefix(configCount).map { $0 } + [nil] + rows.dropFirst(configCount).map { $0 }
        let cursor = min(state.configCursor, rows.count - 1)
        // The footer: the check of what is being typed (wrapped, up to 3 rows), or the row's help.
        let footer: (text: String, role: ThemeRole)
        if let editing = state.fieldEditor {
            footer = editing.row.problem(typed: editing.editor.text, controller: controller).map { ("✗ " + $0, .error) } ?? ("✓ valid · Enter sets it, Esc cancels", .target)
        } else {
            footer = (rows[cursor].help(controller), .dim)
        }
        let footerRows = Array(TextWrap.wrap(footer.text, width: inner.width, indent: "  ").prefix(max(1, min(3, inner.height - 3))))
        // A form taller than the pane scrolls with the cursor, and its last line says what is out of view.
        let room = max(1, inner.height - 1 - footerRows.count)
        let scrolls = lines.count > room && room > 1
        let listHeight = scrolls ? room - 1 : room
        let cursorLine = cursor + (cursor >= configCount ? 1 : 0)
        let top = max(0, min(cursorLine - listHeight / 2, lines.count - listHeight))
        if scrolls {
            let below = max(0, lines.count - top - listHeight)
            grid.put(TextWrap.first(of: scrollLines(above: top, below: below), fitting: inner.width), x: inner.x, y: inner.y + listHeight, role: .dim)
        }
        // Keys get up to a third of a wide pane (20 columns at least), so the longest stays whole there.
        let keyWidth = min(max(20, inner.width / 3), (rows.map(\.key.count).max() ?? 10) + 1)
        for offset in 0 ..< min(listHeight, lines.count - top) {
            let y = inner.y + offset
            guard let row = lines[top + offset] else {
                grid.put(settingsHeading, x: inner.x, y: y, role: .dim, limit: inner.width)
                continue
            }
            state.hits.formRows[y] = top + offset - (top + offset > configCount ? 1 : 0)
            let changed = row.isChanged(controller)
            grid.put((changed ? "*" : " ") + row.key, x: inner.x, y: y, role: changed ? .accent : .text, limit: keyWidth + 1)
            // A value cut at a word (the detail pane and `config show` have it whole); the one being typed as it is.
            var value = TextWrap.fit(row.shown(controller), width: inner.width - keyWidth - 2)
            if let editing = state.fieldEditor, editing.row == row { value = editing.editor.text + "▏" }
            grid.put(value, x: inner.x + keyWidth + 2, y: y, limit: inner.width - keyWidth - 2)
            if top + offset == cursorLine && state.focus == .config { grid.paint(Rect(x: inner.x, y: y, width: inner.width, height: 1), role: .selection) }
        }
        for (offset, text) in footerRows.enumerated() {
            grid.put(text, x: inner.x, y: inner.maxY - footerRows.count + offset, role: footer.role, limit: inner.width)
        }
    }

    /// The line under a scrolled form, in wordings from the longest: how many lines are above and
    /// below the view, and the keys that page.
    static func scrollLines(above: Int, below: Int) -> [String] {
        let counts = "── ↑ \(above) above · ↓ \(below) below"
        return [counts + " · PgUp/PgDn page, Home/End", counts + " · PgUp/PgDn", counts, "── ↑ \(above) · ↓ \(below)"]
    }
}
