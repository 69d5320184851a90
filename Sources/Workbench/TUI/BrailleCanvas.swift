/// A drawing surface of braille dots: each cell holds 2 × 4 dots, so a pane of w × h cells plots
/// 2w × 4h points. Used for the loss and budget curves.
struct BrailleCanvas {
    let columns: Int
    let rows: Int
    private var dots: [UInt8]
    private var roles: [ThemeRole?]

    init(columns: Int, rows: Int) {
        self.columns = max(0, columns)
        self.rows = max(0, rows)
        dots = Array(repeating: 0, count: self.columns * self.rows)
        roles = Array(repeating: nil, count: self.columns * self.rows)
    }

    var pixelWidth: Int { columns * 2 }
    var pixelHeight: Int { rows * 4 }

    /// The bit of each dot within a braille cell, by (column, row).
    private static let bits: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]

    /// Sets the dot at (x, y), y counted from the top.
    mutating func set(_ x: Int, _ y: Int, role: ThemeRole) {
        guard x >= 0, y >= 0, x < pixelWidth, y < pixelHeight else { return }
        let index = (y / 4) * columns + x / 2
        dots[index] |= Self.bits[x % 2][y % 4]
        roles[index] = role
    }

    /// Draws a straight line between two dots.
    mutating func line(from a: (x: Int, y: Int), to b: (x: Int, y: Int), role: ThemeRole) {
        let steps = max(abs(b.x - a.x), abs(b.y - a.y), 1)
        for i in 0 ... steps {
            let t = Double(i) / Double(steps)
            set(Int((Double(a.x) + t * Double(b.x - a.x)).rounded()), Int((Double(a.y) + t * Double(b.y - a.y)).rounded()), role: role)
        }
    }

    /// Copies the canvas into `grid` at (x, y); empty cells are left as they are.
    func draw(into grid: inout Grid, x: Int, y: Int) {
        for row in 0 ..< rows {
            for column in 0 ..< columns {
                let index = row * columns + column
                guard dots[index] != 0, let role = roles[index] else { continue }
                grid[x + column, y + row] = Cell(character: Character(Unicode.Scalar(0x2800 + UInt32(dots[index]))!), role: role)
            }
        }
    }
}
