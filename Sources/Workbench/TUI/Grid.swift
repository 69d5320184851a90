import Foundation

/// A rectangle of cells on the screen.
public struct Rect: Equatable, Sendable {
    public var x, y, width, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    /// The rectangle inside a one-cell border.
    public var inner: Rect { Rect(x: x + 1, y: y + 1, width: width - 2, height: height - 2) }
    public var maxY: Int { y + height }
}

/// One cell: a character and the theme role that colours it.
public struct Cell: Equatable, Sendable {
    public var character: Character
    public var role: ThemeRole
}

/// The screen as a plain grid of cells that screens draw into and tests read; the curses layer
/// copies it to the terminal. Every character takes one column; drawing outside is clipped.
public struct Grid: Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(character: " ", role: .text), count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { if x >= 0, y >= 0, x < width, y < height { cells[y * width + x] = newValue } }
    }

    /// Writes `text` from (x, y), cut at `limit` columns (and the grid's edge); returns the columns used.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, role: ThemeRole = .text, limit: Int = .max) -> Int {
        guard y >= 0, y < height else { return 0 }
        var column = x
        let end = limit >= width ? width : min(width, x + limit)
        for character in text where column < end {
            if column >= 0 { self[column, y] = Cell(character: character == "\n" || character == "\t" ? " " : character, role: role) }
            column += 1
        }
        return column - x
    }

    /// Fills `rect` with `character`.
    public mutating func fill(_ rect: Rect, _ character: Character = " ", role: ThemeRole = .text) {
        for y in rect.y ..< rect.maxY { for x in rect.x ..< rect.x + rect.width { self[x, y] = Cell(character: character, role: role) } }
    }

    /// Gives every cell of `rect` the role `role`, keeping its character.
    public mutating func paint(_ rect: Rect, role: ThemeRole) {
        for y in rect.y ..< rect.maxY { for x in rect.x ..< rect.x + rect.width where x < width && y < height && x >= 0 && y >= 0 { self[x, y].role = role } }
    }

    /// A box with a title on its top edge; a focused box's border uses the accent role.
    public mutating func box(_ rect: Rect, title: String, focused: Bool = false) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let role: ThemeRole = focused ? .accent : .border
        let right = rect.x + rect.width - 1, bottom = rect.maxY - 1
        for x in rect.x ... right {
            self[x, rect.y] = Cell(character: "─", role: role)
            self[x, bottom] = Cell(character: "─", role: role)
        }
        for y in rect.y ... bottom {
            self[rect.x, y] = Cell(character: "│", role: role)
            self[right, y] = Cell(character: "│", role: role)
        }
        self[rect.x, rect.y] = Cell(character: "┌", role: role)
        self[right, rect.y] = Cell(character: "┐", role: role)
        self[rect.x, bottom] = Cell(character: "└", role: role)
        self[right, bottom] = Cell(character: "┘", role: role)
        put(" \(title) ", x: rect.x + 2, y: rect.y, role: focused ? .accent : .title, limit: rect.width - 4)
    }

    /// The characters of row `y`.
    public func row(_ y: Int) -> String { String(cells[(y * width) ..< ((y + 1) * width)].map(\.character)) }

    /// The whole grid as text, one line per row, trailing spaces dropped.
    public var text: String {
        (0 ..< height).map { row($0).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }.joined(separator: "\n")
    }

    /// Whether `text` appears on some row.
    public func contains(_ text: String) -> Bool { (0 ..< height).contains { row($0).contains(text) } }
}
