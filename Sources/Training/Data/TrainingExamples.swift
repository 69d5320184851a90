import Models
import Tensors
import Tokenizers

/// One example ready for the model: token ids, per-token labels for a causal LM (-100 where no loss
/// is taken), or a class index for sequence classification, and a mask when padding is part of it.
public struct TrainingExample: Equatable, Sendable {
    public var ids: [Int]
    public var labels: [Int]
    public var classLabel: Int?
    public var attentionMask: [Int]?

    public init(ids: [Int], labels: [Int], classLabel: Int? = nil, attentionMask: [Int]? = nil) {
        self.ids = ids
        self.labels = labels
        self.classLabel = classLabel
        self.attentionMask = attentionMask
    }

    /// Real (unmasked) tokens, for throughput figures.
    public var tokenCount: Int { attentionMask?.reduce(0, +) ?? ids.count }
}

/// The examples of a dataset, made from its records with a tokenizer (asked for only by the forms
/// that hold text):
/// - texts are tokenised, each followed by the end-of-text token, concatenated and cut into blocks
///   of `seqLen` (transformers' `group_texts`; the remainder that fills no block is dropped);
/// - prompt/completion pairs become prompt + completion + end-of-text, labels -100 on the prompt,
///   cut to `seqLen`;
/// - classified texts are tokenised with the tokenizer's special tokens, cut to `seqLen`;
/// - conversations are rendered through the chat template (`ChatExamples`), cut to `seqLen`;
/// - pre-tokenised rows are used as given (labels default to the ids where the mask is 1).
public struct TrainingExamples {
    public private(set) var examples: [TrainingExample]
    /// For classification, the class names in index order.
    public let classNames: [String]?
    /// What the log should say about how the examples were made (chat data: how the loss is confined).
    public private(set) var notes: [String] = []

    /// `chatTemplate` is called only for conversations; `assistantOnlyLoss` confines their loss to
    /// the assistant's tokens.
    public init(_ records: DataRecords, tokenizer: () throws -> Tokenizer, seqLen: Int, classNames: [String]? = nil,
                chatTemplate: () throws -> ChatTemplate = { throw DataError("chat data needs the model's chat template") },
                assistantOnlyLoss: Bool = true, name: String = "the data") throws {
        switch records {
        case let .tokenized(ids, masks, labels):
            self = TrainingExamples(tokenizedIds: ids, attentionMask: masks, labels: labels)
        case let .texts(documents):
            let tokenizer = try tokenizer(), eos = tokenizer.eosTokenId
            var stream: [Int] = []
            for document in documents {
                stream += tokenizer.encode(document, addSpecialTokens: false).ids
                if let eos { stream.append(eos) }
            }
            examples = stride(from: 0, to: stream.count - seqLen + 1, by: seqLen).map {
                let block = Array(stream[$0 ..< $0 + seqLen])
                return TrainingExample(ids: block, labels: block)
            }
            guard !examples.isEmpty else {
                throw DataError("the text makes \(stream.count) tokens, fewer than one block of seq_len \(seqLen); use more text or a smaller seq_len")
            }
            self.classNames = nil
        case let .promptCompletions(pairs):
            let tokenizer = try tokenizer(), eos = tokenizer.eosTokenId
            examples = pairs.map { pair in
                let prompt = tokenizer.encode(pair.prompt, addSpecialTokens: false).ids
                let completion = tokenizer.encode(pair.completion, addSpecialTokens: false).ids + (eos.map { [$0] } ?? [])
                let ids = Array((prompt + completion).prefix(seqLen))
                let labels = Array(([Int](repeating: Tensor.ignoreIndex, count: prompt.count) + completion).prefix(seqLen))
                return TrainingExample(ids: ids, labels: labels)
            }
            self.classNames = nil
        case let .conversations(conversations):
            let made = try ChatExamples(template: chatTemplate(), tokenizer: tokenizer(), assistantOnly: assistantOnlyLoss, name: name)
                .make(conversations, seqLen: seqLen)
            examples = made.examples
            notes = made.notes
            self.classNames = nil
        case let .classified(rows):
            let tokenizer = try tokenizer()
            let names = classNames ?? Self.classNames(of: rows.map(\.label))
            examples = try rows.enumerated().map { index, row in
                guard let label = names.firstIndex(of: row.label) else {
                    throw DataError("record \(index + 1): label \(row.label) is not one of the classes \(names.joined(separator: ", "))")
                }
                return TrainingExample(ids: tokenizer.encode(row.text, maxLength: seqLen).ids, labels: [], classLabel: label)
            }
            self.classNames = names
        }
    }

    /// Pre-tokenised rows used as given; labels default to the ids where the mask is 1.
    public init(tokenizedIds ids: [[Int]], attentionMask masks: [[Int]]?, labels: [[Int]]?) {
        examples = ids.indices.map { i in
            let mask = masks?[i]
            let given = labels?[i] ?? zip(ids[i], mask ?? ids[i].map { _ in 1 }).map { $1 == 0 ? Tensor.ignoreIndex : $0 }
            return TrainingExample(ids: ids[i], labels: given, attentionMask: mask)
        }
        classNames = nil
    }

    init(examples: [TrainingExample], classNames: [String]?) {
        self.examples = examples
        self.classNames = classNames
    }

    /// Class names in index order: numerically when every name is an integer 0..<n, else sorted.
    static func classNames(of labels: [String]) -> [String] {
        let unique = Set(labels)
        let numbers = unique.compactMap(Int.init).sorted()
        if numbers.count == unique.count, numbers == Array(0 ..< numbers.count) { return numbers.map(String.init) }
        return unique.sorted()
    }

    /// Splits off the last `fraction` of the examples (at least one) for evaluation.
    public mutating func holdOut(fraction: Double) throws -> TrainingExamples {
        let count = max(1, Int((Double(examples.count) * fraction).rounded()))
        guard count < examples.count else {
            throw DataError("eval_split \(fraction) leaves no training examples out of \(examples.count); lower it or give eval_data")
        }
        let held = TrainingExamples(examples: Array(examples.suffix(count)), classNames: classNames)
        examples.removeLast(count)
        return held
    }
}
