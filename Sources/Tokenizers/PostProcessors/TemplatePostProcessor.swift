/// The post-processor that puts special tokens around the sequence, e.g. BERT's `[CLS] $A [SEP]`.
/// Reads both `TemplateProcessing` (its `single` template) and `BertProcessing`.
struct TemplatePostProcessor: PostProcessor {
    /// One element of the template: the tokenized sequence, or special tokens to insert.
    enum Element {
        case sequence
        case special(ids: [Int], tokens: [String])
    }

    let template: [Element]

    var addedTokenCount: Int {
        template.reduce(0) { total, element in
            if case let .special(ids, _) = element { return total + ids.count }
            return total
        }
    }

    /// `TemplateProcessing`: `single` lists `{"Sequence": {"id": "A"}}` and
    /// `{"SpecialToken": {"id": name}}` items; `special_tokens` gives each name's ids and tokens.
    init(templateFields fields: JSONFields) throws {
        let specialTokens = try fields.fields("special_tokens")
        template = try fields.arrayOfFields("single").map { item in
            if let sequence = try item.optionalFields("Sequence") {
                guard try sequence.string("id") == "A" else {
                    throw sequence.invalid("id", "a single-sequence template can only hold sequence A")
                }
                return .sequence
            }
            let name = try item.fields("SpecialToken").string("id")
            let special = try specialTokens.fields(name)
            let ids = try special.array("ids").map { element -> Int in
                guard let id = element as? Int else { throw special.invalid("ids", "expected integers") }
                return id
            }
            let tokens = try special.array("tokens").map { element -> String in
                guard let token = element as? String else { throw special.invalid("tokens", "expected strings") }
                return token
            }
            guard ids.count == tokens.count else {
                throw special.invalid("ids", "ids and tokens differ in length")
            }
            return .special(ids: ids, tokens: tokens)
        }
    }

    /// `BertProcessing`: `cls` and `sep` are `[token, id]` pairs, giving `cls $A sep`.
    init(bertFields fields: JSONFields) throws {
        func special(_ key: String) throws -> Element {
            let pair = try fields.array(key)
            guard pair.count == 2, let token = pair[0] as? String, let id = pair[1] as? Int else {
                throw fields.invalid(key, "expected [token, id]")
            }
            return .special(ids: [id], tokens: [token])
        }
        template = [try special("cls"), .sequence, try special("sep")]
    }

    func process(_ encoding: Encoding, addSpecialTokens: Bool) -> Encoding {
        guard addSpecialTokens else { return encoding }
        var result = Encoding()
        for element in template {
            switch element {
            case .sequence:
                result.append(contentsOf: encoding)
            case let .special(ids, tokens):
                for (id, token) in zip(ids, tokens) { result.append(id: id, token: token, offsets: 0..<0) }
            }
        }
        return result
    }
}
