/// Fitting text into columns without cutting words: wrapping at spaces (a word longer than a row is
/// split, as nothing else fits), and shortening a label at a word boundary with `…`.
enum TextWrap {
    /// `text` as rows of at most `width` characters, broken at spaces (runs of spaces inside a row
    /// are kept, so aligned columns stay aligned); rows after the first start with `indent`.
    static func wrap(_ text: String, width: Int, indent: String = "") -> [String] {
        guard width > indent.count + 1 else { return [String(text.prefix(max(0, width)))] }
        var rows: [String] = []
        var current = ""
        var room: Int { width - (rows.isEmpty ? 0 : indent.count) }
        func flush() {
            rows.append((rows.isEmpty ? "" : indent) + current)
            current = ""
        }
        for (spaces, token) in pieces(text) {
            var word = token
            if !current.isEmpty || rows.isEmpty {
                if current.count + spaces.count + word.count <= room {
                    current += spaces + word
                    continue
                }
                if !current.isEmpty { flush() }
            }
            while word.count > room {
                current = String(word.prefix(room))
                word = String(word.dropFirst(room))
                flush()
            }
            current = word
        }
        if !current.isEmpty || rows.isEmpty { flush() }
        return rows
    }

    /// The words of `text`, each with the spaces before it.
    private static func pieces(_ text: String) -> [(spaces: String, word: String)] {
        var result: [(String, String)] = []
        var spaces = "", word = ""
        for character in text {
            if character == " " {
                if !word.isEmpty { result.append((spaces, word)); spaces = ""; word = "" }
                spaces.append(character)
            } else {
                word.append(character)
            }
        }
        if !word.isEmpty || !spaces.isEmpty { result.append((spaces, word)) }
        return result
    }

    /// The first of `candidates` (longest wording first) that fits in `width`, or the last one cut
    /// by `fit`: a shorter wording before any word is cut.
    static func first(of candidates: [String], fitting width: Int) -> String {
        candidates.first { $0.count <= width } ?? fit(candidates.last ?? "", width: width)
    }

    /// `text` in at most `width` characters: whole, or cut after its last word that fits with `…`
    /// (cut mid-word only when even the first word does not fit).
    static func fit(_ text: String, width: Int) -> String {
        guard text.count > width else { return text }
        guard width > 1 else { return String(text.prefix(max(0, width))) }
        let room = String(text.prefix(width - 1))
        if let space = room.lastIndex(of: " "), space > room.startIndex {
            return room[..<space].trimmingTrailingSpaces + "…"
        }
        return room + "…"
    }
}

extension Substring {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
