/// A one-line text editor for the TUI's `:` command line, `/` search and config fields: cursor
/// movement, history (Up/Down) and Tab completion.
public struct LineEditor: Equatable {
    public private(set) var text: String
    /// The cursor, as a character offset.
    public private(set) var cursor: Int
    private var history: [String]
    private var historyIndex: Int
    /// Candidates from the last Tab that matched several.
    public private(set) var candidates: [String] = []

    public init(text: String = "", history: [String] = []) {
        self.text = text
        cursor = text.count
        self.history = history
        historyIndex = history.count
    }

    /// Applies an editing key; false for keys the editor does not handle (Enter, Escape, ...).
    mutating func handle(_ key: Key, completer: ((String) -> [String])? = nil) -> Bool {
        candidates = []
        switch key {
        case let .character(character):
            insert(String(character))
        case .backspace:
            guard cursor > 0 else { return true }
            text.remove(at: text.index(text.startIndex, offsetBy: cursor - 1))
            cursor -= 1
        case .delete:
            guard cursor < text.count else { return true }
            text.remove(at: text.index(text.startIndex, offsetBy: cursor))
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(text.count, cursor + 1)
        case .home: cursor = 0
        case .end: cursor = text.count
        case .up: recall(historyIndex - 1)
        case .down: recall(historyIndex + 1)
        case .tab:
            if let completer { complete(with: completer) }
        default:
            return false
        }
        return true
    }

    private mutating func insert(_ string: String) {
        text.insert(contentsOf: string, at: text.index(text.startIndex, offsetBy: cursor))
        cursor += string.count
    }

    private mutating func recall(_ index: Int) {
        guard index >= 0, index <= history.count else { return }
        historyIndex = index
        text = index == history.count ? "" : history[index]
        cursor = text.count
    }

    /// Completes the word before the cursor: the only candidate, or the candidates' common prefix.
    private mutating func complete(with completer: (String) -> [String]) {
        let before = String(text.prefix(cursor))
        let found = completer(before)
        guard !found.isEmpty else { return }
        let word = before.hasSuffix(" ") ? "" : String(before.split(separator: " ").last ?? "")
        var common = found[0]
        for candidate in found.dropFirst() { while !candidate.hasPrefix(common) { common.removeLast() } }
        if common.count > word.count { insert(String(common.dropFirst(word.count))) }
        if found.count == 1, !(common.hasSuffix("/") || common.hasSuffix("=")) { insert(" ") }
        if found.count > 1 { candidates = found }
    }
}
