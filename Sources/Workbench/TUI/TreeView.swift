import Models

/// The module tree as the TUI shows it: the folded outline with expand/collapse state, a cursor,
/// and search. Lines are keyed by path and label, so the state survives a rebuild (an adapter
/// wrapping modules changes the outline).
public struct TreeView: Equatable {
    public private(set) var lines: [ModuleTree.Line] = []
    /// Keys of the collapsed lines.
    private var collapsed: Set<String> = []
    /// Index into `visible` of the selected line.
    public private(set) var cursor = 0
    /// Indices into `lines` of the lines shown.
    public private(set) var visible: [Int] = []
    /// Lines at this depth or deeper start collapsed.
    static let initialDepth = 4
    /// Module lists whose identical blocks are shown one by one (`f` on a folded run).
    private var unfolded: Set<String> = []
    /// Every list shown block by block (a search found nothing in the folded tree).
    private(set) var unfoldsAll = false
    /// Set when the folding changed and the outline must be rebuilt.
    private(set) var foldingChanged = false

    /// Whether the blocks of the module list at `path` are folded.
    func folds(_ path: String) -> Bool { !unfoldsAll && !unfolded.contains(path) }

    /// Folds or unfolds the run of blocks the selected line is, or lies in; false when it is none.
    mutating func toggleFold() -> Bool {
        guard let index = currentIndex else { return false }
        let line = lines[index]
        let run = line.repeats > 1 ? line : foldAncestor(of: index)
        guard let list = Self.listPath(of: run?.path ?? line.path) else { return false }
        if folds(list) {
            unfolded.insert(list)
        } else {
            unfolded.remove(list)
            unfoldsAll = false
        }
        foldingChanged = true
        return true
    }

    /// Shows every list block by block.
    mutating func unfoldAll() {
        unfoldsAll = true
        foldingChanged = true
    }

    /// The module list a block at `path` (or a module inside one) belongs to: the path up to its
    /// last numbered part (`model.layers` for `model.layers.2.self_attn`).
    static func listPath(of path: String) -> String? {
        let parts = path.split(separator: ".").map(String.init)
        guard let last = parts.lastIndex(where: { Int($0) != nil }) else { return nil }
        return parts[..<last].joined(separator: ".")
    }

    static func key(_ line: ModuleTree.Line) -> String { "\(line.path)|\(line.label)" }

    /// Replaces the outline, keeping the cursor on the same module when it is still there.
    mutating func rebuild(_ outline: ModuleTree) {
        foldingChanged = false
        let selected = current.map(Self.key)
        let firstBuild = lines.isEmpty
        let parents = Set(lines.indices.filter(hasChildren).map { Self.key(lines[$0]) })
        lines = outline.lines
        // Deep lines start collapsed, and so does anything that gains children later (adapter layers).
        for (index, line) in lines.enumerated() where hasChildren(index) && !parents.contains(Self.key(line))
            && (line.depth >= Self.initialDepth || !firstBuild) {
            collapsed.insert(Self.key(line))
        }
        refresh()
        if let selected, let index = visible.firstIndex(where: { Self.key(lines[$0]) == selected }) { cursor = index }
    }

    /// Whether the line at `index` has lines below it.
    func hasChildren(_ index: Int) -> Bool { index + 1 < lines.count && lines[index + 1].depth > lines[index].depth }

    /// Whether the line at `index` is collapsed.
    func isCollapsed(_ index: Int) -> Bool { collapsed.contains(Self.key(lines[index])) }

    private mutating func refresh() {
        visible = []
        var hiddenBelow: Int?
        for (index, line) in lines.enumerated() {
            if let depth = hiddenBelow, line.depth > depth { continue }
            hiddenBelow = nil
            visible.append(index)
            if hasChildren(index), isCollapsed(index) { hiddenBelow = line.depth }
        }
        cursor = min(max(0, cursor), max(0, visible.count - 1))
    }

    /// The selected line.
    public var current: ModuleTree.Line? { visible.isEmpty ? nil : lines[visible[cursor]] }

    /// The index into `lines` of the selected line.
    var currentIndex: Int? { visible.isEmpty ? nil : visible[cursor] }

    mutating func move(by offset: Int) { cursor = min(max(0, cursor + offset), max(0, visible.count - 1)) }
    mutating func moveToTop() { cursor = 0 }
    mutating func moveToBottom() { cursor = max(0, visible.count - 1) }

    /// Expands the selected line, or moves into it when already expanded.
    mutating func expand() {
        guard let index = currentIndex, hasChildren(index) else { return }
        if isCollapsed(index) {
            collapsed.remove(Self.key(lines[index]))
            refresh()
        } else {
            move(by: 1)
        }
    }

    /// Collapses the selected line, or moves to its parent when it is a leaf or already collapsed.
    mutating func collapse() {
        guard let index = currentIndex else { return }
        if hasChildren(index), !isCollapsed(index) {
            collapsed.insert(Self.key(lines[index]))
            refresh()
        } else if let parent = parent(of: index), let position = visible.firstIndex(of: parent) {
            cursor = position
        }
    }

    /// The index of the line's parent.
    func parent(of index: Int) -> Int? {
        let depth = lines[index].depth
        return (0 ..< index).last { lines[$0].depth < depth }
    }

    /// The folded run (`layers.0-31 (×32)`) the line at `index` lies in, if any.
    func foldAncestor(of index: Int) -> ModuleTree.Line? {
        var current = index
        while let parent = parent(of: current) {
            if lines[parent].repeats > 1 { return lines[parent] }
            current = parent
        }
        return nil
    }

    /// Moves to the next line after the cursor (before it, `backwards`) whose path, label or type
    /// name contains `query`, ignoring case, expanding what hides it; false when none matches.
    mutating func find(_ query: String, backwards: Bool = false) -> Bool {
        guard !query.isEmpty, !lines.isEmpty else { return false }
        let start = currentIndex ?? 0
        let forward = Array(start + 1 ..< lines.count) + Array(0 ... start)
        let order = backwards ? Array((0 ..< start).reversed()) + Array((start ..< lines.count).reversed()) : forward
        let matches = { (line: ModuleTree.Line) in
            [line.path, line.label, line.typeName].contains { $0.range(of: query, options: .caseInsensitive) != nil }
        }
        guard let match = order.first(where: { matches(lines[$0]) }) else { return false }
        var ancestor = parent(of: match)
        while let index = ancestor {
            collapsed.remove(Self.key(lines[index]))
            ancestor = parent(of: index)
        }
        refresh()
        cursor = visible.firstIndex(of: match) ?? cursor
        return true
    }
}
