import Models

/// Turns keys into changes of the view state and into command lines for the controller, so that
/// everything a key does to the session goes through the command language (and is recorded).
public struct KeyHandler {
    let controller: Controller
    let state: TUIState
    /// Called with each line entered at the `:` prompt (the app appends it to the history file).
    var onCommandEntered: (String) -> Void = { _ in }

    public init(controller: Controller, state: TUIState) {
        self.controller = controller
        self.state = state
    }

    /// Handles one key.
    public func handle(_ key: Key) {
        if state.confirmingQuit != nil {
            state.confirmingQuit = nil
            if key == .character("y") || key == .character("Y") { run("quit") }
            return
        }
        if state.showHelp {
            if key == .escape || key == .character("?") || key == .character("q") { state.showHelp = false }
            return
        }
        if case let .mouse(event) = key {
            // The mouse waits while a line is being typed.
            if state.commandLine == nil, state.searchLine == nil, state.fieldEditor == nil { handleMouse(event) }
            return
        }
        if key == .interrupt {
            if state.commandLine != nil || state.searchLine != nil || state.fieldEditor != nil {
                (state.commandLine, state.searchLine, state.fieldEditor) = (nil, nil, nil)
            } else if !state.scripts.isEmpty {
                abortScripts()
            } else if controller.isBusy {
                run("stop")
            } else {
                state.message = "q quits"
            }
            return
        }
        if state.commandLine != nil { return commandLineKey(key) }
        if state.searchLine != nil { return searchKey(key) }
        if state.fieldEditor != nil { return fieldKey(key) }
        if state.log.pager || state.focus == .log, logKey(key) { return }
        switch key {
        case .character("?"): state.showHelp = true
        case .character("q"):
            if controller.isTraining {
                state.confirmingQuit = "A training run is going. Stop it and quit? (y/n)"
            } else if !controller.unsavedAdapters.isEmpty {
                state.confirmingQuit = "Not saved: \(controller.unsavedAdapters.sorted().joined(separator: ", ")) (w saves). Quit anyway? (y/n)"
            } else {
                run("quit")
            }
        case .character(":"): state.commandLine = LineEditor(history: state.history)
        case .character("/"):
            if state.focus != .tree { state.focus = .tree }
            state.searchingLog = false
            state.searchLine = LineEditor()
        case .character("n"): search(state.lastSearch)
        case .character("N"): search(state.lastSearch, backwards: true)
        case .tab:
            let all = TUIState.Focus.allCases
            state.focus = all[(all.firstIndex(of: state.focus)! + 1) % all.count]
        case .character("t"): run("train")
        case .character("x"): if state.scripts.isEmpty { run("stop") } else { abortScripts() }
        case .character("L"): state.logScale.toggle()
        case .character("<"): state.treeWidth = max(Preferences.treeWidths.lowerBound, state.treeWidth - 4)
        case .character(">"): state.treeWidth = min(Preferences.treeWidths.upperBound, state.treeWidth + 4)
        case .character("m"):
            state.mouse.toggle()
            state.message = state.mouse ? "mouse on: click selects, the wheel scrolls" : "mouse off: the terminal selects text (m turns it on)"
        case .character("M"): state.smoothing = state.smoothing == 0 ? 0.6 : state.smoothing < 0.9 ? 0.9 : 0
        case .character("r"): (state.showRanks, state.inspector.isShown) = (!state.showRanks, false)
        case .character("i"): (state.inspector.isShown, state.inspector.pinnedModule, state.showRanks) = (!state.inspector.isShown, nil, false)
        case .character("R"):
            run("runs")
            state.focus = .log
            state.log.back = 0
        case .character("["): scrub(-1)
        case .character("]"): scrub(1)
        case .character("w"): state.commandLine = LineEditor(text: "save runs/\(controller.workspace?.peft?.activeAdapter ?? "adapter")-saved", history: state.history)
        case .escape: state.message = nil
        default:
            switch state.focus {
            case .config: configKey(key)
            case .tree: treeKey(key)
            case .training: trainingKey(key)
            case .log: break
            }
        }
    }

    /// Keys of the focused training pane: the plot's cursor and zoom.
    private func trainingKey(_ key: Key) {
        let steps = controller.job?.progress.steps.map(\.step) ?? []
        guard let newest = steps.last else { return }
        switch key {
        case .left, .character("h"):
            let current = state.plotCursor ?? newest + 1
            state.plotCursor = steps.last { $0 < current } ?? steps.first
        case .right, .character("l"):
            guard let current = state.plotCursor else { return }
            state.plotCursor = steps.first { $0 > current }
        case .escape, .end: state.plotCursor = nil
        case .character("z"): state.plotZoom.toggle()
        default: break
        }
    }

    /// Keys of the focused log and of its pager; false for keys it leaves to the others.
    private func logKey(_ key: Key) -> Bool {
        let (width, height) = state.logGeometry
        let total = LogRows(controller: controller, width: width).rows.count
        let page = max(1, height - 1)
        switch key {
        case .up, .character("k"): state.log.scroll(by: 1, total: total, height: height)
        case .down, .character("j"): state.log.scroll(by: -1, total: total, height: height)
        case .pageUp: state.log.scroll(by: page, total: total, height: height)
        case .pageDown: state.log.scroll(by: -page, total: total, height: height)
        case .home, .character("g"): state.log.scroll(by: total, total: total, height: height)
        case .end, .character("G"): state.log.back = 0
        case .enter: state.log.pager = true
        case .character("/"):
            state.searchingLog = true
            state.searchLine = LineEditor()
        case .character("n"): findInLog(older: true)
        case .character("N"): findInLog(older: false)
        case .escape where state.log.pager, .character("q") where state.log.pager: state.log.pager = false
        default: return state.log.pager && key != .character(":")
        }
        return true
    }

    /// Moves the log to the next older (or newer) row holding the log search.
    private func findInLog(older: Bool) {
        let query = state.log.search
        guard !query.isEmpty else { return }
        let (width, height) = state.logGeometry
        let rows = LogRows(controller: controller, width: width)
        let total = rows.rows.count
        let from = state.log.match ?? (older ? total : -1)
        guard let found = older ? rows.find(query, before: from) : rows.find(query, after: from) else {
            state.message = "✗ no \(older ? "older" : "newer") line of the log holds \(query)"
            return
        }
        state.message = nil
        state.log.match = found
        state.log.show(row: found, total: total, height: height)
    }

    /// Stops the scripts being replayed (and a run one of them started).
    private func abortScripts() {
        let current = state.scripts.first
        // What a generation made so far stays, before the replay's stop in the log.
        controller.generation?.flushToLog()
        for player in state.scripts { player.abort(controller) }
        state.scripts = []
        guard let current else { return }
        if let line = current.failure?.line {
            state.message = "✗ stopped replaying \(current.script.path) before its line \(line)"
        } else {
            state.message = "✗ stopped what the last line of \(current.script.path) started"
        }
    }

    /// Runs a command line and shows its failure, if any, on the message row; the log returns to
    /// its newest lines to show what the command printed.
    private func run(_ line: String) {
        state.log.back = 0
        state.log.match = nil
        if controller.submit(line) {
            state.message = nil
        } else {
            state.message = "✗ " + (controller.log.tail(1).first?.text ?? "failed")
        }
    }

    private func commandLineKey(_ key: Key) {
        guard var editor = state.commandLine else { return }
        switch key {
        case .enter:
            state.commandLine = nil
            let line = editor.text.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { return }
            state.history.append(line)
            onCommandEntered(line)
            run(line)
            if state.message == nil { InspectorPane.follow(line, state: state) }
        case .escape: state.commandLine = nil
        default:
            _ = editor.handle(key, completer: Completer(controller: controller).candidates(for:))
            state.commandLine = editor
        }
    }

    private func searchKey(_ key: Key) {
        guard var editor = state.searchLine else { return }
        switch key {
        case .enter where state.searchingLog:
            state.searchLine = nil
            state.log.search = editor.text
            state.log.match = nil
            findInLog(older: true)
        case .enter:
            state.searchLine = nil
            state.lastSearch = editor.text
            search(editor.text)
        case .escape: state.searchLine = nil
        default:
            _ = editor.handle(key)
            state.searchLine = editor
        }
    }

    /// Moves the tree to the next (previous) match; when the folded tree has none (`layers.2` is
    /// inside `layers.0-3`), every block is unfolded and the search tried again.
    private func search(_ query: String, backwards: Bool = false) {
        guard !query.isEmpty else { return }
        var found = state.tree.find(query, backwards: backwards)
        if !found, !state.tree.unfoldsAll, let workspace = controller.workspace {
            state.tree.unfoldAll()
            state.tree.rebuild(workspace.outline(folds: state.tree.folds))
            found = state.tree.find(query, backwards: backwards)
        }
        state.message = found ? nil : "✗ no module name or type contains \(query)"
    }

    private func treeKey(_ key: Key) {
        switch key {
        case .up, .character("k"): state.tree.move(by: -1)
        case .down, .character("j"): state.tree.move(by: 1)
        case .pageUp: state.tree.move(by: -10)
        case .pageDown: state.tree.move(by: 10)
        case .home, .character("g"): state.tree.moveToTop()
        case .end, .character("G"): state.tree.moveToBottom()
        case .right, .character("l"), .enter: state.tree.expand()
        case .left, .character("h"): state.tree.collapse()
        case .character(" "): toggleTarget()
        case .character("u"): run("undo")
        case .character("f"): if !state.tree.toggleFold() { state.message = "✗ f unfolds a run of identical blocks (layers.0-3); this line is in none" }
        default: break
        }
    }

    /// Space on a module: adds or removes the rule for it. Inside a folded run of blocks the rule
    /// is the name below the block (`self_attn.q_proj`), so it selects the module in every block.
    private func toggleTarget() {
        guard let workspace = controller.workspace, let index = state.tree.currentIndex else { return }
        let line = state.tree.lines[index]
        guard let module = workspace.model.module(at: line.path), module.kind.isLinearLike || module.kind == .embedding else {
            state.message = "✗ \(line.label.isEmpty ? line.typeName : line.label) is a \(line.typeName); adapters wrap Linear, Conv1D and Embedding layers, so pick one inside it"
            return
        }
        let rule = state.tree.foldAncestor(of: index).map { String(line.path.dropFirst($0.path.count + 1)) } ?? line.path
        run(controller.selection.names.contains(line.path) ? "target remove \(rule)" : "target add \(rule)")
    }

    /// How many rows PgUp/PgDn move the config form's cursor.
    static let formPage = 10

    private func configKey(_ key: Key) {
        let rows = FormRow.all(controller)
        let row = rows[min(state.configCursor, rows.count - 1)]
        switch key {
        case .up, .character("k"): state.configCursor = max(0, state.configCursor - 1)
        case .down, .character("j"): state.configCursor = min(rows.count - 1, state.configCursor + 1)
        case .pageUp: state.configCursor = max(0, state.configCursor - Self.formPage)
        case .pageDown: state.configCursor = min(rows.count - 1, state.configCursor + Self.formPage)
        case .home, .character("g"): state.configCursor = 0
        case .end, .character("G"): state.configCursor = rows.count - 1
        case .enter, .character("e"): state.fieldEditor = (row, LineEditor(text: row.editText(controller)))
        case .character("u"): run(row.unsetCommand)
        default: break
        }
    }

    private func fieldKey(_ key: Key) {
        guard let (row, editor) = state.fieldEditor else { return }
        var edited = editor
        switch key {
        case .enter:
            state.fieldEditor = nil
            run(row.setCommand(edited.text))
        case .escape: state.fieldEditor = nil
        default:
            _ = edited.handle(key)
            state.fieldEditor = (row, edited)
        }
    }

    private func scrub(_ offset: Int) {
        guard let history = state.rankHistory(for: controller), !history.allocations.isEmpty else { return }
        let current = state.rankIndex ?? history.allocations.count - 1
        state.rankIndex = min(max(0, current + offset), history.allocations.count - 1)
        state.showRanks = true
    }
}
