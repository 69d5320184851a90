/// The session log as rows of the pane's width: commands, their output, errors, training reports
/// and the text a `generate` is producing, each entry wrapped at spaces (never cut at the edge).
struct LogRows {
    struct Row: Equatable {
        var text: String
        var role: ThemeRole
    }

    let rows: [Row]

    init(controller: Controller, width: Int) {
        var rows: [Row] = []
        func add(_ text: String, _ role: ThemeRole, prefix: String = "") {
            for row in TextWrap.wrap(prefix + text, width: width, indent: "  ") { rows.append(Row(text: row, role: role)) }
        }
        for entry in controller.log.entries {
            switch entry.kind {
            case .command: add(entry.text, .command, prefix: "> ")
            case .output, .generated: add(entry.text, .text)
            case .error: add(entry.text, .error)
            case .training: add(entry.text, .accent)
            }
        }
        if let generation = controller.generation, generation.isActive {
            for line in (generation.pending + "▍").split(separator: "\n", omittingEmptySubsequences: false) { add(String(line), .target) }
            add("generating… x or Ctrl-C stops", .dim)
        }
        self.rows = rows
    }

    /// The last row before `end` holding `query`, ignoring case.
    func find(_ query: String, before end: Int) -> Int? {
        let lowered = query.lowercased()
        return rows.indices.prefix(max(0, min(end, rows.count))).last { rows[$0].text.lowercased().contains(lowered) }
    }

    /// The first row after `start` holding `query`, ignoring case.
    func find(_ query: String, after start: Int) -> Int? {
        let lowered = query.lowercased()
        return rows.indices.dropFirst(max(0, start + 1)).first { rows[$0].text.lowercased().contains(lowered) }
    }
}

/// The log pane, and the full-screen pager (Enter in the log): rows scrolled back with
/// ↑ ↓ PgUp PgDn g G, `/` searching (matches highlighted), n / N the next older / newer match.
enum LogPane {
    static func draw(into grid: inout Grid, rect: Rect, controller: Controller, state: TUIState) {
        let inner = rect.inner
        let rows = LogRows(controller: controller, width: inner.width)
        let top = state.log.top(rows: rows.rows.count, height: inner.height)
        let above = top > 0 ? "log · \(top) above" : "log"
        // The longest wording of the keys that fits, rather than a hint cut short.
        let titles = state.focus == .log ? [" · ↑↓ PgUp PgDn scroll · / search · Enter pager", " · PgUp PgDn · / search · Enter pager", " · PgUp PgDn · / · Enter", ""]
            : top + inner.height < rows.rows.count ? [" · scrolled back", ""] : [""]
        grid.box(rect, title: TextWrap.first(of: titles.map { above + $0 }, fitting: rect.width - 6), focused: state.focus == .log)
        drawRows(rows, from: top, into: &grid, rect: inner, search: state.log.search)
    }

    /// The pager over the whole screen, with its status line at the bottom.
    static func drawPager(into grid: inout Grid, controller: Controller, state: TUIState) {
        let rect = Rect(x: 0, y: 0, width: grid.width, height: grid.height - 1)
        grid.fill(Rect(x: 0, y: 0, width: grid.width, height: grid.height))
        let rows = LogRows(controller: controller, width: rect.width)
        let top = state.log.top(rows: rows.rows.count, height: rect.height)
        drawRows(rows, from: top, into: &grid, rect: rect, search: state.log.search)
        let last = min(rows.rows.count, top + rect.height)
        let status = " log · rows \(rows.rows.isEmpty ? 0 : top + 1)-\(last) of \(rows.rows.count) · ↑↓ PgUp PgDn g G · / search · n N next · q closes"
        grid.fill(Rect(x: 0, y: grid.height - 1, width: grid.width, height: 1), role: .status)
        grid.put(TextWrap.fit(status, width: grid.width), x: 0, y: grid.height - 1, role: .status)
    }

    private static func drawRows(_ rows: LogRows, from top: Int, into grid: inout Grid, rect: Rect, search: String) {
        let lowered = search.lowercased()
        for (offset, row) in rows.rows.dropFirst(top).prefix(rect.height).enumerated() {
            let y = rect.y + offset
            grid.put(row.text, x: rect.x, y: y, role: row.role, limit: rect.width)
            guard !lowered.isEmpty else { continue }
            let text = Array(row.text.lowercased())
            let pattern = Array(lowered)
            var index = 0
            while index + pattern.count <= text.count {
                if Array(text[index ..< index + pattern.count]) == pattern {
                    grid.paint(Rect(x: rect.x + index, y: y, width: pattern.count, height: 1), role: .selection)
                    index += pattern.count
                } else {
                    index += 1
                }
            }
        }
    }
}
