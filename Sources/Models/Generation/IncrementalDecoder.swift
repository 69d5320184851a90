import Tokenizers

/// The text of generated tokens as they come, for showing while a model generates. The new tokens
/// are decoded after the prompt's, so the decoder sees them in context: a Metaspace decoder drops
/// the space that starts a sequence's first token, so the new tokens decoded alone would lose the
/// space between the prompt and the continuation. Text is released once it does not end inside a
/// character (replacement characters at its end wait for the bytes that may complete them), and held back while it could be the start of a stop string; the text ends before
/// the first stop string.
public struct IncrementalDecoder {
    private let tokenizer: Tokenizer
    private let prompt: [Int]
    private let promptText: String.UnicodeScalarView
    private let stopStrings: [String]
    private var produced: [Int] = []
    /// Unicode scalars of `text` already released.
    private var released = 0
    /// The continuation so far, up to the first stop string.
    public private(set) var text = ""
    /// Whether a stop string has appeared.
    public private(set) var stopped = false

    /// Decodes what follows `prompt`; special tokens are left out of the text.
    public init(tokenizer: Tokenizer, prompt: [Int], stopStrings: [String] = []) {
        self.tokenizer = tokenizer
        self.prompt = prompt
        promptText = tokenizer.decode(prompt, skipSpecialTokens: true).unicodeScalars
        self.stopStrings = stopStrings.filter { !$0.isEmpty }
    }

    /// Adds a generated token; returns the text it lets through (often empty).
    public mutating func append(_ token: Int) -> String {
        guard !stopped else { return "" }
        produced.append(token)
        let whole = tokenizer.decode(prompt + produced, skipSpecialTokens: true).unicodeScalars
        let continuation = whole.starts(with: promptText)
            ? String(String.UnicodeScalarView(whole.dropFirst(promptText.count)))
            : tokenizer.decode(produced, skipSpecialTokens: true)
        text = continuation
        if let stop = stopStrings.compactMap({ text.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
            text = String(text[..<stop.lowerBound])
            stopped = true
            return release(upTo: text.unicodeScalars.count)
        }
        let end = text.unicodeScalars.count - text.unicodeScalars.reversed().prefix { $0 == "\u{FFFD}" }.count
        return release(upTo: end - heldBack(before: end))
    }

    /// The text still held back, once generation has ended.
    public mutating func finish() -> String { release(upTo: text.unicodeScalars.count) }

    /// The text from `released` to `end`, which is then released.
    private mutating func release(upTo end: Int) -> String {
        guard end > released else { return "" }
        let scalars = text.unicodeScalars
        let piece = String(String.UnicodeScalarView(scalars.dropFirst(released).prefix(end - released)))
        released = end
        return piece
    }

    /// How many scalars before `end` could begin a stop string.
    private func heldBack(before end: Int) -> Int {
        let scalars = Array(text.unicodeScalars.prefix(end))
        var longest = 0
        for stop in stopStrings {
            let pattern = Array(stop.unicodeScalars)
            for length in stride(from: min(pattern.count - 1, scalars.count), to: longest, by: -1)
                where Array(scalars.suffix(length)) == Array(pattern.prefix(length)) {
                longest = length
                break
            }
        }
        return longest
    }
}
