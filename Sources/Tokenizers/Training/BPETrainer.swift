import Foundation

/// Trains a byte-level BPE tokenizer on text files the way the Hugging Face `tokenizers` library's
/// `BpeTrainer` does behind a `ByteLevel(add_prefix_space=False)` pre-tokenizer, with the full
/// 256-byte initial alphabet: each line is split by GPT-2's pre-tokenisation pattern, each piece
/// becomes a word of byte symbols, and the most frequent adjacent pair is merged until the
/// vocabulary (special tokens included) reaches the requested size.
///
/// Ids: the special tokens first, in order; then the 256 byte symbols by code point; then one
/// token per merge. Ties between equally frequent pairs go to the pair whose (left id, right id)
/// is smaller, as in `tokenizers`. Training stops early, with a smaller vocabulary, when no pair
/// occurs any more.
///
///     let trained = try BPETrainer(vocabularySize: 4096).train(files: [corpus])
///     try trained.write(to: folder)   // tokenizer.json, tokenizer_config.json, special_tokens_map.json
public struct BPETrainer: Sendable {
    /// The 256 bytes in the order of their byte-level characters' code points: the order in which
    /// the `tokenizers` trainer numbers its initial alphabet.
    static let bytesInAlphabetOrder: [UInt8] = (0 ... 255).sorted {
        ByteLevelAlphabet.scalarForByte[Int($0)].value < ByteLevelAlphabet.scalarForByte[Int($1)].value
    }

    /// The number of tokens to end with, special tokens and byte symbols included.
    public let vocabularySize: Int
    /// The special tokens, which take the first ids.
    public let specialTokens: SpecialTokens

    /// A trainer for a vocabulary of `vocabularySize` tokens. Throws if the special tokens are
    /// empty or repeated, or the size cannot hold them and the 256 byte symbols.
    public init(vocabularySize: Int, specialTokens: SpecialTokens = SpecialTokens()) throws {
        let all = specialTokens.all
        if let empty = all.firstIndex(of: "") {
            throw BPETrainingError.invalidSpecialToken("special token \(empty + 1) is empty")
        }
        if Set(all).count != all.count {
            throw BPETrainingError.invalidSpecialToken("\(all) lists a token twice")
        }
        let minimum = all.count + 256
        guard vocabularySize >= minimum else {
            throw BPETrainingError.vocabularyTooSmall(requested: vocabularySize, minimum: minimum)
        }
        self.vocabularySize = vocabularySize
        self.specialTokens = specialTokens
    }

    /// Trains on the UTF-8 text files at `files`, read in order.
    public func train(files: [URL]) throws -> TrainedBPE {
        var counts = TrainingWordCounts()
        for file in files { try counts.add(file: file) }
        return try train(on: counts)
    }

    /// Trains on `texts` as if each were the content of a file.
    public func train(texts: [String]) throws -> TrainedBPE {
        var counts = TrainingWordCounts()
        for text in texts { counts.add(text: text) }
        return try train(on: counts)
    }

    private func train(on counts: TrainingWordCounts) throws -> TrainedBPE {
        guard !counts.counts.isEmpty else { throw BPETrainingError.emptyCorpus }

        var tokens = specialTokens.all
        var idOfByte = [Int32](repeating: 0, count: 256)
        for byte in Self.bytesInAlphabetOrder {
            let symbol = String(Character(ByteLevelAlphabet.scalarForByte[Int(byte)]))
            if let special = tokens.firstIndex(of: symbol) {
                idOfByte[Int(byte)] = Int32(special)
            } else {
                idOfByte[Int(byte)] = Int32(tokens.count)
                tokens.append(symbol)
            }
        }

        let pieces = counts.counts.keys.sorted { $0.lexicographicallyPrecedes($1) }
        var learner = BPEMergeLearner(
            tokens: tokens,
            words: pieces.map { $0.map { idOfByte[Int($0)] } },
            wordCounts: pieces.map { counts.counts[$0]! })
        learner.learn(upTo: vocabularySize)

        // A pair merged twice (see BPEMergeLearner) keeps its last rank, as in `tokenizers`.
        let learned = learner.merges
        let lastRank = Dictionary(learned.enumerated().map { ($1, $0) }, uniquingKeysWith: max)
        let merges = learned.enumerated().compactMap { rank, pair -> TrainedBPE.Merge? in
            guard lastRank[pair] == rank else { return nil }
            return TrainedBPE.Merge(left: learner.tokens[Int(pair.left)], right: learner.tokens[Int(pair.right)])
        }
        return TrainedBPE(vocabulary: learner.tokens, merges: merges, specialTokens: specialTokens)
    }
}
