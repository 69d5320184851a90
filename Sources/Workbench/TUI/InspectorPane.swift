import Tuners

/// What the inspector view shows besides the controller's state: whether it is open, the module
/// `:inspect MODULE` pinned, and the last inspection (recomputed when the state changed).
public struct InspectorViewState {
    public var isShown = false
    /// The module shown instead of the tree's cursor (set by `:inspect MODULE`, cleared by `i`).
    public var pinnedModule: String?
    fileprivate var cache: (key: String, result: Result<ModuleInspection, Error>)?

    public init() {}
}

/// The adapter inspector (`i`), in the training pane's place: for the selected module's adapter its
/// settings, `‖ΔW‖` against `‖W‖`, the singular values of `ΔW` as bars (beside those of what a
/// combined or reduced adapter was made from) and the top-k cosines of `W + ΔW`'s singular vectors
/// with the base weight's, intruders marked `!`.
enum InspectorPane {
    static let partialBlocks: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    static func draw(into grid: inout Grid, rect: Rect, controller: Controller, state: TUIState) {
        let inner = rect.inner
        func message(_ title: String, _ lines: [String]) {
            grid.box(rect, title: title, focused: state.focus == .training)
            for (offset, line) in lines.flatMap({ TextWrap.wrap($0, width: inner.width) }).prefix(inner.height).enumerated() {
                grid.put(line, x: inner.x, y: inner.y + offset, role: .dim)
            }
        }
        guard let workspace = controller.workspace, let peft = workspace.peft else {
            return message("inspector · i closes", ["no adapters yet: `adapter new NAME`, `adapter load DIR` or `train` make one"])
        }
        let path = state.inspector.pinnedModule ?? state.tree.currentIndex.map { state.tree.lines[$0].path } ?? ""
        guard let layer = workspace.model.module(at: path) as? any AdapterLayer,
              let adapter = layer.activeAdapters.first(where: layer.adapterNames.contains) ?? layer.adapterNames.first else {
            return message("inspector · i closes", ["select a module with an adapter in the tree, or `:inspect MODULE` (`adapter list` names the adapters)"])
        }
        let title = "inspect \(adapter) · \(path.hasPrefix("model.") ? String(path.dropFirst(6)) : path)"
        guard !controller.isBusy else { return message(title, ["the adapter is training or generating; its figures show when that ends (x stops it)"]) }
        let key = "\(controller.revision) \(path) \(adapter) \(peft.adapterNames)"
        if state.inspector.cache?.key != key {
            let result = Result { () throws -> ModuleInspection in
                guard let inspection = try InspectCommands.inspections(controller, adapter: adapter, modules: [path]).first else {
                    throw CommandError("inspect", "\(path) has no figures for \(adapter)")
                }
                return inspection
            }
            state.inspector.cache = (key, result)
        }
        let inspection: ModuleInspection
        switch state.inspector.cache!.result {
        case let .success(value): inspection = value
        case let .failure(error): return message(title, ["\(error)"])
        }
        grid.box(rect, title: title, focused: state.focus == .training)
        for (offset, row) in rows(inspection, recipe: controller.adapterRecipes[adapter]?.summary, width: inner.width, height: inner.height).enumerated() {
            var x = inner.x
            for (text, role) in row { x += grid.put(text, x: x, y: inner.y + offset, role: role, limit: inner.x + inner.width - x) }
        }
    }

    /// The view's lines, each a run of coloured pieces, fitted to `width` × `height`.
    static func rows(_ m: ModuleInspection, recipe: String?, width: Int, height: Int) -> [[(String, ThemeRole)]] {
        var header = m.rank.map { "r=\($0)" } ?? "dense delta"
        if let alpha = m.alpha { header += " alpha=\(short(alpha))" }
        if let scaling = m.scaling { header += " scaling \(short(scaling))" }
        header += " · \(m.parameterCount) params" + (recipe.map { " · \($0)" } ?? "")
        var norms = "|dW| \(short(m.spectrum.frobeniusNorm))"
        if let base = m.baseNorm, let ratio = m.relativeNorm { norms += " / |W| \(short(base)) = \(short(ratio))" }
        norms += " · erank \(String(format: "%.2f", m.spectrum.effectiveRank))"
        if let before = m.before { norms += " · change \(short(before.relativeChange))" }
        var rows: [[(String, ThemeRole)]] = [[(TextWrap.fit(header, width: width), .accent)], [(TextWrap.fit(norms, width: width), .text)]]
        let scan = m.intruders.map { cosineRows($0, before: m.before?.intruders, width: width, compact: height < 10) } ?? []
        let values = m.spectrum.singularValues, before = m.before?.spectrum.singularValues
        let room = height - rows.count - scan.count - (before == nil ? 0 : 1)
        let shown = values.count <= room ? values.count : max(0, room - 1)
        if before != nil, shown > 0 { rows.append([(String(repeating: " ", count: 4), .dim), ("singular values: now │ before", .dim)]) }
        let top = max(values.first ?? 0, before?.first ?? 0)
        let barWidth = max(1, (before == nil ? width - 14 : (width - 27) / 2))
        for i in 0 ..< shown {
            var row: [(String, ThemeRole)] = [("σ\(i + 1)".padding(toLength: 4, withPad: " ", startingAt: 0), .dim),
                                               (bar(values[i], top: top, width: barWidth), .train), (" " + short(values[i]).leftPadded(to: 9), .text)]
            if let before {
                row.append((" │ ", .dim))
                row.append(i < before.count ? (bar(before[i], top: top, width: barWidth), .eval) : (String(repeating: " ", count: barWidth), .dim))
                row.append((i < before.count ? " " + short(before[i]).leftPadded(to: 9) : "", .text))
            }
            rows.append(row)
        }
        if shown < values.count, room > 0 { rows.append([(TextWrap.fit("    … \(values.count - shown) more: `inspect MODULE` lists them", width: width), .dim)]) }
        return Array((rows + scan).prefix(height))
    }

    /// The intruder scan: a title, then each cosine (`!` marks an intruder) over as many rows as it
    /// takes; `compact`, one row cut to `width`.
    static func cosineRows(_ scan: IntruderScan, before: IntruderScan?, width: Int, compact: Bool) -> [[(String, ThemeRole)]] {
        let count = scan.intruders.count
        let role: ThemeRole = count == 0 ? .dim : .error
        let summary = "intruders \(count)" + (before.map { " (before \($0.intruders.count))" } ?? "")
        var rows: [[(String, ThemeRole)]] = compact ? [] : [[(TextWrap.fit(summary + " · max |cos| of W+dW's top \(scan.topK) with W, ! < \(short(scan.epsilon))", width: width), role)]]
        var line: [(String, ThemeRole)] = compact ? [(summary + ": ", role)] : [], used = compact ? summary.count + 2 : 0
        for (index, cosine) in scan.cosines.enumerated() {
            let isIntruder = scan.intruders.contains(index)
            let text = (isIntruder ? "!" : "") + String(format: "%.2f", cosine) + " "
            if used + text.count > width {
                if compact {
                    line.append(("…", .dim))
                    break
                }
                rows.append(line)
                (line, used) = ([], 0)
            }
            line.append((text, isIntruder ? .error : .text))
            used += text.count
        }
        if !line.isEmpty { rows.append(line) }
        return rows
    }

    /// `value` as a bar of eighths out of `top` over `width` cells.
    static func bar(_ value: Float, top: Float, width: Int) -> String {
        let eighths = top > 0 ? Int((Double(value / top) * Double(width * 8)).rounded()) : 0
        let full = min(width, eighths / 8), rest = eighths % 8
        var text = String(repeating: "█", count: full)
        if full < width, rest > 0 { text.append(partialBlocks[rest - 1]) }
        return text.padding(toLength: width, withPad: " ", startingAt: 0)
    }

    private static func short<T: BinaryFloatingPoint>(_ value: T) -> String { String(format: "%.4g", Double(value)) }

    /// After a `:inspect MODULE` line that worked, opens the view on that module.
    static func follow(_ line: String, state: TUIState) {
        guard let words = try? CommandWords.split(line), words.first == "inspect" else { return }
        state.inspector.isShown = true
        state.showRanks = false
        var rest = Array(words.dropFirst()), index = 0
        while index < rest.count {
            if rest[index].hasPrefix("--") { rest.removeSubrange(index ..< min(index + 2, rest.count)) } else { index += 1 }
        }
        state.inspector.pinnedModule = rest.first
    }
}
