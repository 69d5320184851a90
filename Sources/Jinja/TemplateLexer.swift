/// Splits a template source into text and tags as Jinja's lexer does with transformers' settings:
/// `trim_blocks` (the first newline after a block or comment tag is dropped), `lstrip_blocks`
/// (spaces and tabs before a block or comment tag at the start of a line are dropped), `-` on a
/// tag strips all whitespace on that side, `+` turns the two options off for that side, and one
/// trailing newline of the source is dropped (`keep_trailing_newline` false).
struct TemplateLexer {
    /// A piece of the source.
    enum Piece {
        case text(String)
        /// `{{ ... }}`: the expression's source.
        case output(String, line: Int)
        /// `{% ... %}`: the statement's source.
        case statement(String, line: Int)
    }

    static func pieces(of source: String) throws -> [Piece] {
        let scalars = normalizedNewlines(source)
        var pieces: [Piece] = []
        var text: [Unicode.Scalar] = []
        var position = 0
        var line = 1
        /// Whether the current text starts a line (the source's start, or after a consumed newline).
        var textStartsLine = true

        func flushText() {
            if !text.isEmpty { pieces.append(.text(String(String.UnicodeScalarView(text)))) }
            text.removeAll()
        }

        while position < scalars.count {
            let scalar = scalars[position]
            guard scalar == "{", position + 1 < scalars.count, ["{", "%", "#"].contains(scalars[position + 1]) else {
                if scalar == "\n" { line += 1 }
                text.append(scalar)
                position += 1
                continue
            }
            let kind = scalars[position + 1]
            let closing: Unicode.Scalar = kind == "{" ? "}" : kind
            var bodyStart = position + 2
            let tagLine = line
            // Whitespace control before the tag.
            if bodyStart < scalars.count && scalars[bodyStart] == "-" {
                while let last = text.last, last.properties.isWhitespace { text.removeLast() }
                bodyStart += 1
            } else if bodyStart < scalars.count && scalars[bodyStart] == "+" {
                bodyStart += 1
            } else if kind != "{" {
                lstrip(&text, atLineStart: textStartsLine)
            }
            // The end of the tag: the closing delimiter outside string literals.
            var end = bodyStart
            var quote: Unicode.Scalar?
            while end + 1 < scalars.count {
                let current = scalars[end]
                if kind != "#" {
                    if let open = quote {
                        if current == "\\" { end += 2; continue }
                        if current == open { quote = nil }
                    } else if current == "'" || current == "\"" {
                        quote = current
                    }
                }
                if quote == nil && current == closing && scalars[end + 1] == "}" { break }
                end += 1
            }
            guard end + 1 < scalars.count else {
                let name = kind == "{" ? "expression" : kind == "%" ? "block" : "comment"
                throw TemplateError.syntax(message: "unclosed \(name) tag", line: tagLine)
            }
            var bodyEnd = end
            var rightControl: Unicode.Scalar?
            if bodyEnd > bodyStart && (scalars[bodyEnd - 1] == "-" || scalars[bodyEnd - 1] == "+") {
                rightControl = scalars[bodyEnd - 1]
                bodyEnd -= 1
            }
            let body = String(String.UnicodeScalarView(scalars[bodyStart..<max(bodyStart, bodyEnd)]))
            line += scalars[position..<(end + 2)].filter { $0 == "\n" }.count
            position = end + 2
            flushText()
            switch kind {
            case "{": pieces.append(.output(body, line: tagLine))
            case "%": pieces.append(.statement(body, line: tagLine))
            default: break
            }
            // Whitespace control after the tag.
            textStartsLine = false
            if rightControl == "-" {
                while position < scalars.count && scalars[position].properties.isWhitespace {
                    textStartsLine = scalars[position] == "\n"
                    if textStartsLine { line += 1 }
                    position += 1
                }
            } else if rightControl != "+" && kind != "{" && position < scalars.count && scalars[position] == "\n" {
                position += 1
                line += 1
                textStartsLine = true
            }
            if case let .statement(source, _) = pieces.last, source.trimmingWhitespace == "raw" {
                let (raw, rest, lines) = try rawText(scalars, from: position, line: tagLine)
                pieces.removeLast()
                pieces.append(.text(raw))
                position = rest
                line += lines
            }
        }
        flushText()
        return pieces
    }

    /// The source with `\r\n` and `\r` read as `\n` and one trailing newline dropped, as Jinja reads it.
    private static func normalizedNewlines(_ source: String) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(source.unicodeScalars.count)
        var previousWasReturn = false
        for scalar in source.unicodeScalars {
            if scalar == "\n" && previousWasReturn {
                previousWasReturn = false
                continue
            }
            previousWasReturn = scalar == "\r"
            scalars.append(previousWasReturn ? "\n" : scalar)
        }
        if scalars.last == "\n" { scalars.removeLast() }
        return scalars
    }

    /// `lstrip_blocks`: drops the spaces and tabs between the last newline of `text` and a tag.
    private static func lstrip(_ text: inout [Unicode.Scalar], atLineStart: Bool) {
        var index = text.count
        while index > 0 && (text[index - 1] == " " || text[index - 1] == "\t") { index -= 1 }
        if (index > 0 && text[index - 1] == "\n") || (index == 0 && atLineStart) {
            text.removeSubrange(index...)
        }
    }

    /// The text of a `{% raw %}` block up to its `{% endraw %}`, the position after that tag, and
    /// the newlines passed.
    private static func rawText(_ scalars: [Unicode.Scalar], from start: Int, line: Int) throws -> (String, Int, Int) {
        var position = start
        while position + 1 < scalars.count {
            if scalars[position] == "{" && scalars[position + 1] == "%" {
                var end = position + 2
                while end + 1 < scalars.count && !(scalars[end] == "%" && scalars[end + 1] == "}") { end += 1 }
                if end + 1 < scalars.count {
                    var body = String(String.UnicodeScalarView(scalars[(position + 2)..<end]))
                    if body.hasPrefix("-") { body.removeFirst() }
                    if body.hasSuffix("-") { body.removeLast() }
                    if body.trimmingWhitespace == "endraw" {
                        let raw = String(String.UnicodeScalarView(scalars[start..<position]))
                        return (raw, end + 2, scalars[start..<(end + 2)].filter { $0 == "\n" }.count)
                    }
                }
            }
            position += 1
        }
        throw TemplateError.syntax(message: "{% raw %} without {% endraw %}", line: line)
    }
}

extension String {
    /// The string without leading and trailing whitespace (Python's `str.strip()`).
    var trimmingWhitespace: String {
        let scalars = Array(unicodeScalars)
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
