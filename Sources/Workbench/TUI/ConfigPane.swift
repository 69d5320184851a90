/// The config form: the current method's fields with their values (`*` where changed from PEFT's
/// default), editable in place with the validation message shown as you type, and the selected
/// field's help.
enum ConfigPane {
    static func draw(into grid: inout Grid, rect: Rect, controller: Controller, state: TUIState) {
        let draft = controller.draft
        grid.box(rect, title: "\(draft.method.name) config · Enter edits, u resets", focused: state.focus == .config)
        let inner = rect.inner
        let fields = draft.method.fields
        let listHeight = max(1, inner.height - 2)
        let cursor = min(state.configCursor, fields.count - 1)
        let top = max(0, min(cursor - listHeight / 2, fields.count - listHeight))
        let keyWidth = min(20, (fields.map(\.key.count).max() ?? 10) + 1)
        for row in 0 ..< min(listHeight, fields.count - top) {
            let field = fields[top + row], y = inner.y + row
            let changed = draft.values[field.key] != nil || (field.key == "target_modules" && !controller.rules.entries.isEmpty)
            grid.put((changed ? "*" : " ") + field.key, x: inner.x, y: y, role: changed ? .accent : .text, limit: keyWidth + 1)
            let value: String
            if let editing = state.fieldEditor, editing.key == field.key {
                value = editing.editor.text + "▏"
            } else {
                value = ConfigCommands.displayValue(of: field.key, controller: controller)
            }
            grid.put(value, x: inner.x + keyWidth + 2, y: y, limit: inner.width - keyWidth - 2)
            if top + row == cursor && state.focus == .config { grid.paint(Rect(x: inner.x, y: y, width: inner.width, height: 1), role: .selection) }
        }
        let footer = inner.y + inner.height - 1
        if let editing = state.fieldEditor,
           let problem = editing.key.hasSuffix("_modules") ? nil : draft.problem(setting: editing.key, to: ConfigDraft.parseTyped(editing.editor.text), rules: controller.rules, totalStep: controller.training.maxSteps) {
            grid.put("✗ " + problem, x: inner.x, y: footer, role: .error, limit: inner.width)
        } else if state.fieldEditor != nil {
            grid.put("✓ valid · Enter sets it, Esc cancels", x: inner.x, y: footer, role: .target, limit: inner.width)
        } else if fields.indices.contains(cursor) {
            grid.put("\(fields[cursor].key): \(fields[cursor].help) (default \(fields[cursor].defaultValue))", x: inner.x, y: footer, role: .dim, limit: inner.width)
        }
    }
}
