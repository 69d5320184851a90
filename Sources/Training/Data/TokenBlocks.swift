import Models

/// Token sequences of a fixed length for causal-LM training, made as transformers' `group_texts`
/// does: documents are tokenised, each followed by the end-of-text token, concatenated, and cut
/// into blocks of `length`; the remainder that does not fill a block is dropped. Labels are the
/// inputs (the model shifts them).
public struct TokenBlocks {
    public let length: Int
    /// The blocks, each `length` token ids.
    public private(set) var blocks: [[Int]]

    public init(documents: [String], tokenizer: Tokenizer, length: Int) throws {
        self.length = length
        var stream: [Int] = []
        for document in documents {
            stream += tokenizer.encode(document, addSpecialTokens: false).ids
            if let eos = tokenizer.eosTokenId { stream.append(eos) }
        }
        blocks = stride(from: 0, to: stream.count - length + 1, by: length).map { Array(stream[$0 ..< $0 + length]) }
        guard !blocks.isEmpty else {
            throw DataError("the text makes \(stream.count) tokens, fewer than one block of seq_len \(length); use more text or a smaller seq_len")
        }
    }

    init(blocks: [[Int]], length: Int) {
        self.blocks = blocks
        self.length = length
    }

    /// Splits off the last `fraction` of the blocks (at least one) for evaluation.
    public mutating func holdOut(fraction: Double) throws -> TokenBlocks {
        let count = max(1, Int((Double(blocks.count) * fraction).rounded()))
        guard count < blocks.count else {
            throw DataError("eval_split \(fraction) leaves no training blocks out of \(blocks.count); lower it or give eval_data")
        }
        let held = TokenBlocks(blocks: Array(blocks.suffix(count)), length: length)
        blocks.removeLast(count)
        return held
    }
}
