/// BERT's pre-tokenizer: splits on whitespace (dropped) and on punctuation (each punctuation
/// character becomes a word of its own).
struct BertPreTokenizer: PreTokenizer {
    func split(_ text: NormalizedText, into words: inout [NormalizedText]) {
        var wordStart: Int?
        func endWord(at end: Int) {
            if let start = wordStart { words.append(text.slice(start..<end)) }
            wordStart = nil
        }
        for (index, scalar) in text.scalars.enumerated() {
            if scalar.isTokenizerWhitespace {
                endWord(at: index)
            } else if scalar.isBertPunctuation {
                endWord(at: index)
                words.append(text.slice(index..<(index + 1)))
            } else if wordStart == nil {
                wordStart = index
            }
        }
        endWord(at: text.count)
    }
}
