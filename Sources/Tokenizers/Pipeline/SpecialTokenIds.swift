/// The ids of the tokens that play the roles transformers names (`pad_token`, `bos_token`, ...).
/// `tokenizer.json` does not name the roles, so they are found by the well-known token strings
/// among the added special tokens; the unknown token is the model's own, and the padding token the
/// one the file's padding section gives.
struct SpecialTokenIds {
    var pad: Int?
    var bos: Int?
    var eos: Int?
    var unk: Int?
    var cls: Int?
    var sep: Int?

    private static let padNames = ["[PAD]", "<pad>", "<|pad|>", "<|padding|>"]
    private static let bosNames = ["<s>", "<|begin_of_text|>", "<bos>", "<|startoftext|>", "<|endoftext|>"]
    private static let eosNames = ["</s>", "<|end_of_text|>", "<eos>", "<|endoftext|>"]
    private static let unkNames = ["[UNK]", "<unk>", "<|unk|>"]

    init(addedVocabulary: AddedVocabulary, modelUnknownId: Int?, paddingToken: String?) {
        func firstSpecial(_ names: [String]) -> Int? {
            names.lazy.filter { addedVocabulary.specialContents.contains(ExactString($0)) }
                .compactMap { addedVocabulary.id(forContent: $0) }.first
        }
        pad = paddingToken.flatMap { addedVocabulary.id(forContent: $0) } ?? firstSpecial(Self.padNames)
        bos = firstSpecial(Self.bosNames)
        eos = firstSpecial(Self.eosNames)
        unk = modelUnknownId ?? firstSpecial(Self.unkNames)
        cls = firstSpecial(["[CLS]"])
        sep = firstSpecial(["[SEP]"])
    }
}
