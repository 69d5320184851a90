/// A colour as a theme file names it — a terminal colour name (`red`, `bright-blue`), `#rrggbb`, or
/// `default` — and its nearest equivalent on terminals with 256, 8 or no colours.
public enum ThemeColor: Equatable, Sendable {
    /// The terminal's own foreground or background.
    case terminalDefault
    /// One of the 16 ANSI colours (0-7 normal, 8-15 bright).
    case ansi(Int)
    case rgb(UInt8, UInt8, UInt8)

    static let names = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// Parses a colour; nil when the text is not one.
    public init?(_ text: String) {
        let word = text.lowercased()
        if word == "default" || word == "none" {
            self = .terminalDefault
        } else if let index = Self.names.firstIndex(of: word) {
            self = .ansi(index)
        } else if word.hasPrefix("bright-"), let index = Self.names.firstIndex(of: String(word.dropFirst(7))) {
            self = .ansi(index + 8)
        } else if word.hasPrefix("#"), word.count == 7, let value = UInt32(word.dropFirst(), radix: 16) {
            self = .rgb(UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
        } else {
            return nil
        }
    }

    /// The RGB value of an ANSI colour, as xterm draws it.
    static func rgbOfAnsi(_ index: Int) -> (Int, Int, Int) {
        let table = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
                     (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]
        return table[index]
    }

    /// The terminal colour number for a terminal with `colors` colours (256, 16, 8), or -1 for
    /// the default colour.
    public func index(colors: Int) -> Int {
        switch self {
        case .terminalDefault: return -1
        case let .ansi(index): return colors >= 16 ? index : index % 8
        case let .rgb(r, g, b):
            let rgb = (Int(r), Int(g), Int(b))
            if colors >= 256 { return Self.nearest256(rgb) }
            return (0 ..< min(colors, 16)).min { Self.distance(Self.rgbOfAnsi($0), rgb) < Self.distance(Self.rgbOfAnsi($1), rgb) } ?? 7
        }
    }

    /// The xterm-256 colour nearest to `rgb`: the 6×6×6 cube or the grey ramp.
    static func nearest256(_ rgb: (Int, Int, Int)) -> Int {
        let levels = [0, 95, 135, 175, 215, 255]
        func level(_ v: Int) -> Int { levels.indices.min { abs(levels[$0] - v) < abs(levels[$1] - v) }! }
        let cube = (level(rgb.0), level(rgb.1), level(rgb.2))
        let cubeIndex = 16 + 36 * cube.0 + 6 * cube.1 + cube.2
        let cubeDistance = distance((levels[cube.0], levels[cube.1], levels[cube.2]), rgb)
        let grey = max(0, min(23, ((rgb.0 + rgb.1 + rgb.2) / 3 - 8) / 10))
        let greyValue = 8 + 10 * grey
        return distance((greyValue, greyValue, greyValue), rgb) < cubeDistance ? 232 + grey : cubeIndex
    }

    static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        let dr = a.0 - b.0, dg = a.1 - b.1, db = a.2 - b.2
        return dr * dr + dg * dg + db * db
    }
}
