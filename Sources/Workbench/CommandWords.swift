/// Splits a command line of the workbench's language into words, the way a shell user expects:
/// spaces separate words, single or double quotes keep spaces inside a word, a backslash escapes the
/// next character, and `#` outside quotes starts a comment that runs to the end of the line.
public enum CommandWords {
    /// A quote left open at the end of the line.
    public struct UnterminatedQuote: Error, CustomStringConvertible {
        public let quote: Character
        public var description: String { "unterminated \(quote) quote: close it before the end of the line" }
    }

    /// The words of `line`; an empty array for a blank or comment-only line.
    public static func split(_ line: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for ch in line {
            if escaped {
                current.append(ch)
                escaped = false
                continue
            }
            if let q = quote {
                if ch == q { quote = nil } else if ch == "\\" && q == "\"" { escaped = true } else { current.append(ch) }
                continue
            }
            switch ch {
            case "\\": escaped = true; inWord = true
            case "\"", "'": quote = ch; inWord = true
            case "#" where !inWord: return words
            case " ", "\t":
                if inWord { words.append(current); current = ""; inWord = false }
            default: current.append(ch); inWord = true
            }
        }
        if let quote { throw UnterminatedQuote(quote: quote) }
        if inWord { words.append(current) }
        return words
    }

    /// `word` written so that `split` gives it back: as it is when it has nothing special, else in
    /// single quotes, or in double quotes with `"` and `\` escaped when it holds a single quote.
    public static func quoted(_ word: String) -> String {
        guard word.isEmpty || word.contains(where: { " \t'\"\\#".contains($0) }) else { return word }
        if !word.contains("'") { return "'" + word + "'" }
        return "\"" + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
