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
            for (offset, line) in lines.prefix(inner.height).enumerated() {
                grid.put(TextWrap.fit(line, width: inner.width), x: inner.x, y: inner.y + offset, role: .dim)
            }
        }
        guard let workspace = controller.workspace, let peft = workspace.peft else {
            return message("inspector · i closes", ["no adapters yet: `adapter new NAME`, `adapter load DIR` or `train` make one"])
        }
        let path = state.inspector.pinnedModule ?? state.tree.currentIndex.map { state.tree.lines[$0].path } ?? ""
        guard let layer = workspace.model.module(at: path) as? any AdapterLayer,
              let adapter = layer.activeAdapters.first(where: layer.adapterNames.contains) ?? layer.adapterNames.first else {
            return message("inspector · i closes", ["move the tree's cursor to a module with an adapter,", "or `:inspect MODULE` (`adapter list` names the adapters)"])
        }
        let title = "inspector · \(path) · \(adapter) · i closes"
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
        if let base = m.baseNorm, let ratio = m.relativeNorm { norms += " vs |W| \(short(base)) (\(short(ratio)))" }
        norms += " · eff.rank \(String(format: "%.2f", m.spectrum.effectiveRank))"
        if let before = m.before { norms += " · change \(short(before.relativeChange)) of before" }
        var rows: [[(String, ThemeRole)]] = [[(TextWrap.fit(header, width: width), .accent)], [(TextWrap.fit(norms, width: width), .text)]]

        var scan: [[(String, ThemeRole)]] = []
        if let intruders = m.intruders {
            let count = intruders.intruders.count
            scan.append([(TextWrap.fit("top \(intruders.topK) |cos| of W+dW with W, ! intruder (< \(short(intruders.epsilon))): \(count == 0 ? "none" : "\(count)")"
                + (m.before?.intruders.map { ", before \($0.intruders.count)" } ?? ""), width: width), count == 0 ? .dim : .error)])
            var line: [(String, ThemeRole)] = [], used = 0
            for (index, cosine) in intruders.cosines.enumerated() {
                let isIntruder = intruders.intruders.contains(index)
                let text = (isIntruder ? "!" : " ") + String(format: "%.2f", cosine) + " "
                if used + text.count > width {
                    scan.append(line)
                    (line, used) = ([], 0)
                }
                line.append((text, isIntruder ? .error : .text))
                used += text.count
            }
            if !line.isEmpty { scan.append(line) }
        }
        let values = m.spectrum.singularValues, before = m.before?.spectrum.singularValues
        let room = max(1, height - rows.count - min(scan.count, max(0, height - rows.count - 2)))
        let shown = min(values.count, before == nil ? room : room - 1)
        if before != nil, shown > 0 { rows.append([(String(repeating: " ", count: 4), .dim), ("singular values now │ before (what it was made from)", .dim)]) }
        let top = max(values.first ?? 0, before?.first ?? 0)
        let barWidth = max(1, (before == nil ? width - 14 : (width - 26) / 2))
        for i in 0 ..< max(0, shown) {
            var row: [(String, ThemeRole)] = [("σ\(i + 1)".padding(toLength: 4, withPad: " ", startingAt: 0), .dim),
                                               (bar(values[i], top: top, width: barWidth), .train), (" " + short(values[i]).leftPadded(to: 9), .text)]
            if let before {
                row.append((" │ ", .dim))
                row.append(i < before.count ? (bar(before[i], top: top, width: barWidth), .eval) : (String(repeating: " ", count: barWidth), .dim))
                row.append((i < before.count ? " " + short(before[i]).leftPadded(to: 9) : "", .text))
            }
            rows.append(row)
        }
        if shown < values.count, rows.count < height - scan.count { rows.append([("    … \(values.count - shown) more (`inspect MODULE` lists them)", .dim)]) }
        return Array((rows + scan).prefix(height))
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
