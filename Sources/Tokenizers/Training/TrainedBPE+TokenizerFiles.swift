import JSON

extension TrainedBPE {
    /// `tokenizer.json` as the `tokenizers` library saves a BPE model trained behind a
    /// `ByteLevel(add_prefix_space=False)` pre-tokenizer, with the ByteLevel decoder and
    /// post-processor (`trim_offsets=False`) that GPT-2's tokenizer uses.
    public var tokenizerJSON: String {
        let addedTokens = specialTokens.all.enumerated().map { id, content in
            JSONValue.object([
                ("id", .int(id)),
                ("content", .string(content)),
                ("single_word", .bool(false)),
                ("lstrip", .bool(false)),
                ("rstrip", .bool(false)),
                ("normalized", .bool(false)),
                ("special", .bool(true)),
            ])
        }
        let model = JSONValue.object([
            ("type", .string("BPE")),
            ("dropout", .null),
            ("unk_token", .null),
            ("continuing_subword_prefix", .null),
            ("end_of_word_suffix", .null),
            ("fuse_unk", .bool(false)),
            ("byte_fallback", .bool(false)),
            ("ignore_merges", .bool(false)),
            ("vocab", .object(vocabulary.enumerated().map { ($1, .int($0)) })),
            ("merges", .array(merges.map { .array([.string($0.left), .string($0.right)]) })),
        ])
        return JSONValue.object([
            ("version", .string("1.0")),
            ("truncation", .null),
            ("padding", .null),
            ("added_tokens", .array(addedTokens)),
            ("normalizer", .null),
            ("pre_tokenizer", Self.byteLevel(addPrefixSpace: false, trimOffsets: true)),
            ("post_processor", Self.byteLevel(addPrefixSpace: true, trimOffsets: false)),
            ("decoder", Self.byteLevel(addPrefixSpace: true, trimOffsets: true)),
            ("model", model),
        ]).prettyText
    }

    /// `tokenizer_config.json` as transformers (4.x) saves a `PreTrainedTokenizerFast` over this
    /// tokenizer: keys sorted, the end-of-text token as beginning, end and unknown token.
    public var tokenizerConfigJSON: String {
        let decoder = specialTokens.all.enumerated().map { id, content in
            (String(id), Self.addedTokenFlags(content, special: true))
        }
        var members: [(key: String, value: JSONValue)] = [
            ("added_tokens_decoder", .object(decoder)),
            ("bos_token", .string(specialTokens.endOfText)),
            ("clean_up_tokenization_spaces", .bool(false)),
            ("eos_token", .string(specialTokens.endOfText)),
            ("model_max_length", .number("1000000000000000019884624838656")),
        ]
        if let padding = specialTokens.padding { members.append(("pad_token", .string(padding))) }
        members += [
            ("tokenizer_class", .string("PreTrainedTokenizerFast")),
            ("unk_token", .string(specialTokens.endOfText)),
        ]
        return JSONValue.object(members).prettyText + "\n"
    }

    /// `special_tokens_map.json` as transformers (4.x) saves it: keys sorted.
    public var specialTokensMapJSON: String {
        let endOfText = Self.addedTokenFlags(specialTokens.endOfText, special: nil)
        var members: [(key: String, value: JSONValue)] = [("bos_token", endOfText), ("eos_token", endOfText)]
        if let padding = specialTokens.padding { members.append(("pad_token", Self.addedTokenFlags(padding, special: nil))) }
        members.append(("unk_token", endOfText))
        if !specialTokens.additional.isEmpty {
            members.insert(("additional_special_tokens", .array(specialTokens.additional.map {
                Self.addedTokenFlags($0, special: nil)
            })), at: 0)
        }
        return JSONValue.object(members).prettyText + "\n"
    }

    private static func byteLevel(addPrefixSpace: Bool, trimOffsets: Bool) -> JSONValue {
        .object([
            ("type", .string("ByteLevel")),
            ("add_prefix_space", .bool(addPrefixSpace)),
            ("trim_offsets", .bool(trimOffsets)),
            ("use_regex", .bool(true)),
        ])
    }

    /// An added token's flags with keys sorted, as transformers writes them; `special` is left
    /// out where transformers leaves it out (the special tokens map).
    private static func addedTokenFlags(_ content: String, special: Bool?) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("content", .string(content)),
            ("lstrip", .bool(false)),
            ("normalized", .bool(false)),
            ("rstrip", .bool(false)),
            ("single_word", .bool(false)),
        ]
        if let special { members.append(("special", .bool(special))) }
        return .object(members)
    }
}
