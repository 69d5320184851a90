import JSON

/// Reading a model's `vocab` object (token string → id) from `tokenizer.json`.
enum Vocabulary {
    static func read(from fields: JSONFieldReader, key: String = "vocab") throws -> [ExactString: Int] {
        guard let raw = fields.values[key]?.members else {
            throw fields.invalid(key, "expected an object mapping token strings to ids")
        }
        var vocabulary: [ExactString: Int] = [:]
        vocabulary.reserveCapacity(raw.count)
        for (token, value) in raw {
            guard let id = JSONFieldReader.integer(value), id >= 0 else {
                throw fields.invalid(key, "the id of token \"\(token)\" is not a non-negative integer")
            }
            vocabulary[ExactString(token)] = id
        }
        return vocabulary
    }

    /// The id of `token`, which the model's configuration requires to be in the vocabulary.
    static func requiredId(of token: String, in vocabulary: [ExactString: Int], fields: JSONFieldReader, key: String) throws -> Int {
        guard let id = vocabulary[ExactString(token)] else {
            throw fields.invalid(key, "token \"\(token)\" is not in the vocabulary")
        }
        return id
    }
}
