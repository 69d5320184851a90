import JSON
import FileAccess
import Foundation

/// A tokenizer read from a `tokenizer.json` as the Hugging Face `tokenizers` library writes it:
/// BPE (byte-level as GPT-2, Llama-3 and Qwen, or SentencePiece-style with byte fallback),
/// Unigram (T5) or WordPiece (BERT), with the normalizers, pre-tokenizers, post-processors and
/// decoders those families use. It encodes text to token ids with offsets into the text and
/// decodes ids back to text, giving the same results as the library.
///
/// Encoding runs the library's pipeline: added tokens are matched first, the text between them is
/// normalized, split into words and tokenized by the model, and the post-processor adds the
/// special tokens. The `truncation` and `padding` sections of the file are not applied; truncate
/// with `encode(_:addSpecialTokens:maxLength:)`. Safe to use from several threads.
public final class Tokenizer: @unchecked Sendable {
    private let addedVocabulary: AddedVocabulary
    private let normalizer: TextNormalizer?
    private let preTokenizer: PreTokenizer?
    private let model: TokenModel
    private let postProcessor: PostProcessor?
    private let decoder: TokenDecoder?
    private let modelTokenById: TokenStrings
    private let specialTokenIds: SpecialTokenIds

    /// The number of distinct tokens, added tokens included.
    public let vocabularySize: Int

    /// The padding token's id, if the tokenizer has one.
    public var padTokenId: Int? { specialTokenIds.pad }
    /// The beginning-of-sequence token's id (`<s>`, `<|begin_of_text|>`, `<|endoftext|>`, ...).
    public var bosTokenId: Int? { specialTokenIds.bos }
    /// The end-of-sequence token's id (`</s>`, `<|end_of_text|>`, `<|endoftext|>`, ...).
    public var eosTokenId: Int? { specialTokenIds.eos }
    /// The unknown token's id.
    public var unkTokenId: Int? { specialTokenIds.unk }
    /// The classification token's id (`[CLS]`).
    public var clsTokenId: Int? { specialTokenIds.cls }
    /// The separator token's id (`[SEP]`).
    public var sepTokenId: Int? { specialTokenIds.sep }

    /// Reads `url`, a `tokenizer.json` file or a folder holding one.
    public convenience init(contentsOf url: URL) throws {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        let file = exists && isDirectory.boolValue ? url.appendingPathComponent("tokenizer.json") : url
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw TokenizerError.unreadableFile(path: file.path, reason: FileProblem.reading(file, error: error).description)
        }
        try self.init(jsonData: data, sourceName: file.path)
    }

    /// Reads a `tokenizer.json` held in memory; `sourceName` names it in error messages.
    public init(jsonData: Data, sourceName: String = "tokenizer.json") throws {
        let fields = try JSONFieldReader(tokenizerFile: jsonData, source: sourceName)

        normalizer = try TokenizerComponents.normalizer(fields.fields("normalizer"))
        preTokenizer = try TokenizerComponents.preTokenizer(fields.fields("pre_tokenizer"))
        model = try TokenizerComponents.model(fields.required("model", fields.fields))
        postProcessor = try TokenizerComponents.postProcessor(fields.fields("post_processor"))
        decoder = try TokenizerComponents.decoder(fields.fields("decoder"))
        let addedTokens = fields.isNull("added_tokens") ? [] : try fields.required("added_tokens", fields.arrayOfFields).map(AddedToken.init)
        addedVocabulary = AddedVocabulary(tokens: addedTokens, normalizer: normalizer)

        modelTokenById = TokenStrings(vocabulary: model.vocabulary)
        vocabularySize = Set(model.vocabulary.keys).union(addedTokens.map { ExactString($0.content) }).count
        let paddingToken = try fields.fields("padding")?.string("pad_token")
        specialTokenIds = SpecialTokenIds(addedVocabulary: addedVocabulary, modelUnknownId: model.unknownTokenId,
                                          paddingToken: paddingToken)
    }

    /// Tokenizes `text`, or the pair `text`, `pair`. With `addSpecialTokens` the post-processor
    /// adds its tokens (BERT's `[CLS]` and `[SEP]`, Llama's `<|begin_of_text|>`). With `maxLength`,
    /// the texts' tokens are cut first so that the result, special tokens included, has at most
    /// `maxLength` tokens (the crate's `longest_first` truncation, from the right: a token at a
    /// time from the longer text, from the second when both are as long).
    public func encode(_ text: String, pair: String? = nil, addSpecialTokens: Bool = true, maxLength: Int? = nil) -> Encoding {
        var encodings = [encodeSequence(text, index: 0)]
        if let pair { encodings.append(encodeSequence(pair, index: 1)) }
        if let maxLength {
            let reserved = addSpecialTokens ? postProcessor?.addedTokenCount(isPair: pair != nil) ?? 0 : 0
            Self.truncate(&encodings, to: max(0, maxLength - reserved))
        }
        let processed = postProcessor?.process(encodings, addSpecialTokens: addSpecialTokens) ?? encodings
        if processed.count == 1 { return processed[0] }
        var result = Encoding()
        for encoding in processed { result.append(contentsOf: encoding) }
        return result
    }

    /// Removes tokens from the end of the longer sequence (the second if they are as long) until
    /// all fit in `maxCount`.
    private static func truncate(_ encodings: inout [Encoding], to maxCount: Int) {
        guard encodings.count == 2 else {
            encodings[0].truncate(to: maxCount)
            return
        }
        var first = encodings[0].count
        var second = encodings[1].count
        while first + second > maxCount {
            if first > second { first -= 1 } else { second -= 1 }
        }
        encodings[0].truncate(to: first)
        encodings[1].truncate(to: second)
    }

    /// One text through the pipeline, before post-processing; its tokens carry type id and
    /// sequence id `index`.
    private func encodeSequence(_ text: String, index: Int) -> Encoding {
        let original = Array(text.unicodeScalars)
        var encoding = Encoding()
        // About as many tokens as a small vocabulary gives; a large one gives fewer.
        encoding.reserveCapacity(original.count / 2 + 8)
        for segment in addedVocabulary.originalTextMatcher.split(original) {
            switch segment {
            case let .token(token, range):
                encoding.append(id: token.id, token: String(String.UnicodeScalarView(original[range])), offsets: range)
            case let .text(range):
                var normalized = NormalizedText(original: original, range: range)
                normalizer?.normalize(&normalized)
                appendNormalizedSegment(normalized, to: &encoding)
            }
        }
        encoding.assign(typeId: index, sequenceId: index)
        return encoding
    }

    /// Matches the normalized added tokens in `text`, then splits and tokenizes the rest.
    private func appendNormalizedSegment(_ text: NormalizedText, to encoding: inout Encoding) {
        for segment in addedVocabulary.normalizedTextMatcher.split(text.scalars) {
            switch segment {
            case let .token(token, range):
                encoding.append(id: token.id, token: String(String.UnicodeScalarView(text.scalars[range])),
                                offsets: text.originalRange(of: range))
            case let .text(range):
                var words: [NormalizedText] = []
                if let preTokenizer { preTokenizer.split(text.slice(range), into: &words) } else { words.append(text.slice(range)) }
                for word in words where !word.isEmpty {
                    for token in model.tokenize(word.scalars) {
                        encoding.append(id: token.id, token: token.value ?? modelTokenById[token.id] ?? "",
                                        offsets: word.originalRange(of: token.range))
                    }
                }
            }
        }
    }

    /// The text of `ids`. Ids of no token are ignored; with `skipSpecialTokens` so are the special
    /// tokens (`[CLS]`, `[PAD]`, `<|endoftext|>`, ...).
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        let tokens = ids.compactMap(token(forId:)).filter {
            !skipSpecialTokens || !addedVocabulary.specialContents.contains(ExactString($0))
        }
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.decodeChain(tokens).joined()
    }

    /// The id of `token`, an added token or a token of the model's vocabulary.
    public func id(forToken token: String) -> Int? {
        addedVocabulary.id(forContent: token) ?? model.vocabulary[ExactString(token)]
    }

    /// The token string of `id`, or `nil` if no token has it.
    public func token(forId id: Int) -> String? {
        addedVocabulary.string(forId: id) ?? modelTokenById[id]
    }
}
