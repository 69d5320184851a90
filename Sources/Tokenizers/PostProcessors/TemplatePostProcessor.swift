import JSON

/// The post-processor that lays out the special tokens and the sequences by a template:
/// `TemplateProcessing` (its `single` and `pair` templates), and `BertProcessing`
/// (`[CLS] $A [SEP]`, pair `[CLS] $A [SEP] $B [SEP]`). Every piece sets its type id.
struct TemplatePostProcessor: PostProcessor {
    /// One element of a template: sequence A (0) or B (1), or special tokens to insert.
    enum Piece {
        case sequence(index: Int, typeId: Int)
        case special(ids: [Int], tokens: [String], typeId: Int)
    }

    let single: [Piece]
    let pair: [Piece]

    func addedTokenCount(isPair: Bool) -> Int {
        (isPair ? pair : single).reduce(0) { total, piece in
            if case let .special(ids, _, _) = piece { return total + ids.count }
            return total
        }
    }

    /// `TemplateProcessing`: `single` and `pair` list `{"Sequence": {"id": "A", "type_id": 0}}` and
    /// `{"SpecialToken": {"id": name, "type_id": 0}}` items; `special_tokens` gives each name's ids
    /// and tokens.
    init(templateFields fields: JSONFieldReader) throws {
        let specialTokens = try fields.required("special_tokens", fields.fields)
        func template(_ key: String) throws -> [Piece] {
            try fields.required(key, fields.arrayOfFields).map { item in
                if let sequence = try item.fields("Sequence") {
                    let typeId = try sequence.int("type_id") ?? 0
                    switch try sequence.required("id", sequence.string) {
                    case "A": return .sequence(index: 0, typeId: typeId)
                    case "B": return .sequence(index: 1, typeId: typeId)
                    case let other: throw sequence.invalid("id", "a template sequence is A or B, not \"\(other)\"")
                    }
                }
                let token = try item.required("SpecialToken", item.fields)
                let name = try token.required("id", token.string)
                guard let special = try specialTokens.fields(name) else {
                    throw token.invalid("id", "special token \"\(name)\" is not in special_tokens")
                }
                let ids = try special.required("ids", special.array).map { element -> Int in
                    guard let id = JSONFieldReader.integer(element) else { throw special.invalid("ids", "expected integers") }
                    return id
                }
                let tokens = try special.required("tokens", special.array).map { element -> String in
                    guard let token = element.stringValue else { throw special.invalid("tokens", "expected strings") }
                    return token
                }
                guard ids.count == tokens.count else {
                    throw special.invalid("ids", "ids and tokens differ in length")
                }
                return .special(ids: ids, tokens: tokens, typeId: try token.int("type_id") ?? 0)
            }
        }
        single = try template("single")
        pair = fields.isNull("pair") ? single + [.sequence(index: 1, typeId: 1)] : try template("pair")
    }

    /// `BertProcessing`: `cls` and `sep` are `[token, id]` pairs.
    init(bertFields fields: JSONFieldReader) throws {
        let cls = try Self.tokenPair(fields, "cls")
        let sep = try Self.tokenPair(fields, "sep")
        single = [.special(ids: [cls.id], tokens: [cls.token], typeId: 0), .sequence(index: 0, typeId: 0),
                  .special(ids: [sep.id], tokens: [sep.token], typeId: 0)]
        pair = single + [.sequence(index: 1, typeId: 1), .special(ids: [sep.id], tokens: [sep.token], typeId: 1)]
    }

    /// A `[token, id]` field of BertProcessing and RobertaProcessing.
    static func tokenPair(_ fields: JSONFieldReader, _ key: String) throws -> (token: String, id: Int) {
        let pair = try fields.required(key, fields.array)
        guard pair.count == 2, let token = pair[0].stringValue, let id = JSONFieldReader.integer(pair[1]) else {
            throw fields.invalid(key, "expected [token, id]")
        }
        return (token, id)
    }

    func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding] {
        var result = Encoding()
        for piece in encodings.count > 1 ? pair : single {
            switch piece {
            case let .sequence(index, typeId):
                guard index < encodings.count else { continue }
                var sequence = encodings[index]
                sequence.assign(typeId: typeId, sequenceId: index)
                result.append(contentsOf: sequence)
            case let .special(ids, tokens, typeId):
                guard addSpecialTokens else { continue }
                for (id, token) in zip(ids, tokens) {
                    result.append(id: id, token: token, offsets: 0..<0, typeId: typeId, sequenceId: nil)
                }
            }
        }
        return [result]
    }
}
