import JSON

/// AdaLoRA's `rank_pattern`: for each adapted module, which of its ranks the rank allocator kept
/// (`true`) and which it pruned. Keys are as PEFT saves them, the module path followed by `.lora_E`
/// (`model.layers.0.self_attn.q_proj.lora_E`); PEFT's live form, with the adapter name after that,
/// is read too. Entries keep their order.
public struct RankPattern: Equatable, Sendable {
    /// One module's keep-mask.
    public struct Entry: Equatable, Sendable {
        public var key: String
        public var keep: [Bool]

        public init(key: String, keep: [Bool]) {
            self.key = key
            self.keep = keep
        }

        /// The number of ranks kept.
        public var rank: Int { keep.filter { $0 }.count }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// The key PEFT saves for the module at `path`.
    public static func key(forModule path: String) -> String { path + ".lora_E" }

    /// The module path a key names: without `.lora_E`, and without the adapter name after it
    /// (PEFT's `resize_modules_by_rank_pattern`).
    static func modulePath(of key: String, adapter: String) -> String {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        return parts.dropLast(parts.last.map(String.init) == adapter ? 2 : 1).joined(separator: ".")
    }

    /// Each module path with its keep-mask.
    func masks(adapter: String) -> [(module: String, keep: [Bool])] {
        entries.map { (Self.modulePath(of: $0.key, adapter: adapter), $0.keep) }
    }

    /// The keep-mask of the module at `path`, if the pattern has one.
    public func keep(forModule path: String, adapter: String) -> [Bool]? {
        masks(adapter: adapter).first { $0.module == path }?.keep
    }

    /// The JSON object PEFT writes.
    var json: JSONValue {
        .object(entries.map { ($0.key, .array($0.keep.map { .bool($0) })) })
    }

    /// Reads the JSON object PEFT writes: module keys mapping to lists of booleans.
    init(json: JSONValue) throws {
        guard let members = json.members else {
            throw TunerError.invalidValue(field: "rank_pattern", reason: "must be an object mapping module names to lists of true/false (one per rank)")
        }
        entries = try members.map { key, value in
            guard case let .array(items) = value else {
                throw TunerError.invalidValue(field: "rank_pattern", reason: "the value for \(key) must be a list of true/false, one per rank")
            }
            return Entry(key: key, keep: try items.map {
                guard case let .bool(flag) = $0 else {
                    throw TunerError.invalidValue(field: "rank_pattern", reason: "the list for \(key) must hold only true or false")
                }
                return flag
            })
        }
    }
}
