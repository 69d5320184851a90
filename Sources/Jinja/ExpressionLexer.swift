/// A token of the source inside a tag.
enum ExpressionToken: Equatable {
    case name(String)
    case string(String)
    case int(Int)
    case double(Double)
    /// An operator or punctuation: `+`, `==`, `(`, `|`, ...
    case symbol(String)
}

/// Splits the source inside a `{{ }}` or `{% %}` tag into tokens.
enum ExpressionLexer {
    /// Symbols, longest first so that `**` is not read as two `*`.
    private static let symbols = ["**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=",
                                  "(", ")", "[", "]", "{", "}", ".", ",", ":", "|"].map { Array($0.unicodeScalars) }

    static func tokens(of source: String, line: Int) throws -> [ExpressionToken] {
        let scalars = Array(source.unicodeScalars)
        var tokens: [ExpressionToken] = []
        var position = 0
        func fail(_ message: String) -> TemplateError { .syntax(message: message, line: line) }
        while position < scalars.count {
            let scalar = scalars[position]
            if scalar.properties.isWhitespace {
                position += 1
            } else if scalar == "_" || scalar.properties.isAlphabetic {
                var end = position + 1
                while end < scalars.count && (scalars[end] == "_" || scalars[end].properties.isAlphabetic || ("0"..."9").contains(scalars[end])) { end += 1 }
                tokens.append(.name(String(String.UnicodeScalarView(scalars[position..<end]))))
                position = end
            } else if ("0"..."9").contains(scalar) {
                var end = position
                var isDouble = false
                while end < scalars.count {
                    let current = scalars[end]
                    if ("0"..."9").contains(current) || current == "_" {
                        end += 1
                    } else if current == ".", !isDouble, end + 1 < scalars.count, ("0"..."9").contains(scalars[end + 1]) {
                        isDouble = true
                        end += 1
                    } else if current == "e" || current == "E", end + 1 < scalars.count,
                              ("0"..."9").contains(scalars[end + 1]) || ((scalars[end + 1] == "-" || scalars[end + 1] == "+") && end + 2 < scalars.count && ("0"..."9").contains(scalars[end + 2])) {
                        isDouble = true
                        end += 2
                    } else {
                        break
                    }
                }
                let text = String(String.UnicodeScalarView(scalars[position..<end])).replacingUnderscores
                if isDouble {
                    guard let value = Double(text) else { throw fail("invalid number \(text)") }
                    tokens.append(.double(value))
                } else {
                    guard let value = Int(text) else { throw fail("the number \(text) is too large") }
                    tokens.append(.int(value))
                }
                position = end
            } else if scalar == "'" || scalar == "\"" {
                let (string, end) = try readString(scalars, from: position, fail: fail)
                tokens.append(.string(string))
                position = end
            } else if let symbol = symbols.first(where: { position + $0.count <= scalars.count && scalars[position..<(position + $0.count)].elementsEqual($0) }) {
                tokens.append(.symbol(String(String.UnicodeScalarView(symbol))))
                position += symbol.count
            } else {
                throw fail("unexpected character '\(Character(scalar))'")
            }
        }
        return tokens
    }

    /// A quoted string literal with Python's escapes, and the position after it.
    private static func readString(_ scalars: [Unicode.Scalar], from start: Int, fail: (String) -> TemplateError) throws -> (String, Int) {
        let quote = scalars[start]
        var result = String.UnicodeScalarView()
        var position = start + 1
        while position < scalars.count {
            let scalar = scalars[position]
            if scalar == quote { return (String(result), position + 1) }
            if scalar == "\\", position + 1 < scalars.count {
                let escaped = scalars[position + 1]
                position += 2
                switch escaped {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                case "0": result.append("\0")
                case "\\", "'", "\"": result.append(escaped)
                case "x", "u", "U":
                    let width = escaped == "x" ? 2 : escaped == "u" ? 4 : 8
                    guard position + width <= scalars.count,
                          let code = UInt32(String(String.UnicodeScalarView(scalars[position..<(position + width)])), radix: 16),
                          let decoded = Unicode.Scalar(code) else { throw fail("invalid \\\(escaped) escape in a string") }
                    result.append(decoded)
                    position += width
                case "\n": break
                default:
                    result.append("\\")
                    result.append(escaped)
                }
                continue
            }
            result.append(scalar)
            position += 1
        }
        throw fail("unterminated string")
    }
}

private extension String {
    var replacingUnderscores: String { String(unicodeScalars.filter { $0 != "_" }.map(Character.init)) }
}
