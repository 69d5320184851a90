import Models
import Tuners

/// The module tree: folds, a cursor, `●` on every module the target rules select and `○` on the
/// other modules an adapter can wrap.
enum TreePane {
    static func draw(into grid: inout Grid, rect: Rect, controller: Controller, state: TUIState) {
        let selection = controller.selection
        grid.box(rect, title: "modules · \(selection.names.count) targeted", focused: state.focus == .tree)
        let inner = rect.inner
        guard let workspace = controller.workspace else {
            grid.put("no model; :load builtin:tiny-llama", x: inner.x, y: inner.y, role: .dim, limit: inner.width)
            return
        }
        let tree = state.tree
        let top = max(0, min(tree.cursor - inner.height / 2, tree.visible.count - inner.height))
        for row in 0 ..< min(inner.height, tree.visible.count - top) {
            let position = top + row, index = tree.visible[position], line = tree.lines[index]
            let module = workspace.model.module(at: line.path)
            let fold = tree.hasChildren(index) ? (tree.isCollapsed(index) ? "▸" : "▾") : " "
            let targeted = selection.names.contains(line.path)
            let adaptable = module.map { $0.kind.isLinearLike || $0.kind == .embedding } ?? false
            let mark = targeted ? "●" : adaptable ? "○" : " "
            let label = line.label.isEmpty ? line.typeName : line.label
            let y = inner.y + row
            state.hits.treeRows[y] = position
            let isCursor = position == tree.cursor
            var x = inner.x + grid.put(String(repeating: " ", count: line.depth) + fold + " ", x: inner.x, y: y, limit: inner.width)
            x += grid.put(mark + " ", x: x, y: y, role: targeted ? .target : .dim, limit: inner.x + inner.width - x)
            let room = inner.x + inner.width - x
            let labelX = x
            x += grid.put(TextWrap.fit(label, width: room), x: x, y: y, role: targeted ? .target : .text)
            if !line.label.isEmpty, line.typeName != label, let type = typeLabel(line.typeName, room: inner.x + inner.width - x) {
                grid.put(type, x: x, y: y, role: .dim)
            }
            if isCursor { grid.paint(Rect(x: inner.x, y: y, width: inner.width, height: 1), role: .selection) }
            if !isCursor, !state.lastSearch.isEmpty, let range = label.range(of: state.lastSearch, options: .caseInsensitive),
               label.distance(from: label.startIndex, to: range.upperBound) <= room {
                let start = label.distance(from: label.startIndex, to: range.lowerBound)
                grid.paint(Rect(x: labelX + start, y: y, width: label.distance(from: range.lowerBound, to: range.upperBound), height: 1), role: .accent)
            }
        }
    }
}

extension TreePane {
    /// The type name beside a module's name, in `room` columns: whole (`  adalora.SVDLinear`, one
    /// space before it when two do not fit), else an adapter layer's method alone (`  adalora`,
    /// PEFT's module the class is in), else nothing: never cut mid-word.
    static func typeLabel(_ typeName: String, room: Int) -> String? {
        var forms = ["  " + typeName, " " + typeName]
        if let dot = typeName.firstIndex(of: "."), dot > typeName.startIndex {
            forms += ["  " + typeName[..<dot], " " + typeName[..<dot]]
        }
        return forms.first { $0.count <= room }
    }
}

/// The selected module: kind, shapes, parameters, whether targeted and with what rank and alpha
/// (after `rank_pattern` / `alpha_pattern`), and the adapters it holds.
enum DetailPane {
    /// With `showsConfig`, the last row sums up the config (the form has no room on screen).
    static func draw(into grid: inout Grid, rect: Rect, controller: Controller, state: TUIState, showsConfig: Bool = false) {
        grid.box(rect, title: "module", focused: false)
        let inner = rect.inner
        guard let workspace = controller.workspace, let index = state.tree.currentIndex else { return }
        let line = state.tree.lines[index]
        guard let module = workspace.model.module(at: line.path) else { return }
        var rows: [(String, ThemeRole)] = [(line.path.isEmpty ? workspace.model.architecture : line.path, .title)]
        if let fold = state.tree.foldAncestor(of: index) ?? (line.repeats > 1 ? line : nil) {
            rows.append(("one of \(fold.repeats) identical blocks (\(fold.label))", .dim))
        }
        rows.append(("\(module.typeName) · \(module.kind.rawValue)" + (line.shapes.isEmpty ? "" : " · \(line.shapes)"), .text))
        rows.append(("parameters \(ModuleTree.grouped(line.parameterCount))" + (line.repeats > 1 ? " each, \(ModuleTree.grouped(line.parameterCount * line.repeats)) in all" : ""), .text))
        if controller.selection.names.contains(line.path) {
            if let config = try? controller.draftConfig(), let settings = try? config.moduleSummary(for: line.path) {
                rows.append(("targeted: \(settings)", .target))
            } else {
                rows.append(("targeted", .target))
            }
        } else if module.kind.isLinearLike || module.kind == .embedding {
            rows.append(("not targeted: space adds it", .dim))
        }
        if let layer = module as? any AdapterLayer {
            rows.append(("adapters: \(layer.adapterNames.joined(separator: ", ")) · active \(layer.activeAdapters.joined(separator: ", "))"
                + (layer.isMerged ? " · merged" : ""), .accent))
            rows += layer.adapterNames.compactMap { workspace.peft?.sharedTensorSummary(of: $0) }.map { ($0, .dim) }
        }
        let shown = rows.prefix(inner.height - (showsConfig ? 1 : 0))
        for (offset, row) in shown.enumerated() {
            grid.put(TextWrap.fit(row.0, width: inner.width), x: inner.x, y: inner.y + offset, role: row.1)
        }
        if showsConfig, inner.height > 0 {
            let summary = (try? controller.draftConfig()).map { AdapterCommands.describe($0) } ?? "invalid: `config show` says why"
            grid.put(TextWrap.first(of: ["config: \(summary) · Tab edits", "config: \(summary)"], fitting: inner.width), x: inner.x, y: inner.maxY - 1, role: .dim)
        }
    }
}
