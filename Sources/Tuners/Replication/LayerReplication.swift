import JSON
import Models

/// PEFT's `layer_replication`: `[[start, end], ...]`, each a half-open range of the original
/// decoder layers; the model's layer list becomes the concatenation of these ranges (`[[0, 2], [1, 2]]`
/// turns layers 0, 1 into 0, 1, 1). Copies share the base weights and get their own adapters.
public struct LayerReplication: Sendable, Equatable {
    /// One `[start, end)` range of original layer indices.
    public struct Range: Sendable, Equatable {
        public var start: Int
        public var end: Int

        public init(start: Int, end: Int) {
            self.start = start
            self.end = end
        }
    }

    public var ranges: [Range]

    public init(ranges: [Range]) {
        self.ranges = ranges
    }

    static let field = "layer_replication"

    /// Reads `[[start, end], ...]`; null means none.
    init?(json: JSONValue) throws {
        if json.isNull { return nil }
        guard case let .array(items) = json else {
            throw TunerError.invalidValue(field: Self.field, reason: "must be a list of [start, end] pairs such as [[0, 4], [2, 5]], not \(json.typeName)")
        }
        ranges = try items.map { item in
            guard case let .array(pair) = item, pair.count == 2,
                  let start = pair[0].doubleValue.flatMap({ Int(exactly: $0) }), let end = pair[1].doubleValue.flatMap({ Int(exactly: $0) }) else {
                throw TunerError.invalidValue(field: Self.field, reason: "each entry must be a pair of layer indices [start, end]; \(item.pythonJSONText()) is not one")
            }
            guard start >= 0, start <= end else {
                throw TunerError.invalidValue(field: Self.field, reason: "the range \(item.pythonJSONText()) must have 0 <= start <= end (layers start..end-1 are copied)")
            }
            return Range(start: start, end: end)
        }
    }

    /// The JSON PEFT writes.
    var json: JSONValue { .array(ranges.map { .array([.int($0.start), .int($0.end)]) }) }

    /// The original index of every layer of the expanded stack, checked against `layerCount`.
    func layerMap(layerCount: Int) throws -> [Int] {
        if let outside = ranges.first(where: { $0.end > layerCount }) {
            throw TunerError.invalidValue(field: Self.field, reason: "the range [\(outside.start), \(outside.end)] reaches past the model's \(layerCount) layers (indices 0..\(layerCount - 1)); end is exclusive")
        }
        let map = ranges.flatMap { Array($0.start ..< $0.end) }
        guard !map.isEmpty else {
            throw TunerError.invalidValue(field: Self.field, reason: "the ranges select no layer; list at least one [start, end] with start < end")
        }
        return map
    }

    /// PEFT's `replicate_layers`: expands the model's layer list, or refuses as PEFT does when the
    /// model has no layer list PEFT finds (`model(.model)*.layers`, BERT's `encoder.layer`, `h`).
    /// Returns what undoes the expansion.
    ///
    /// A stack already expanded (by an earlier adapter) is kept when this expansion is the same: PEFT
    /// would replicate the expanded stack again, so that copies of a layer would share the earlier
    /// adapters' tensors and some of those tensors would be dropped; lorakit adds the new adapter to
    /// every copy and leaves the earlier ones as they are. Another expansion is refused.
    func apply(to model: any PretrainedModel) throws -> () -> Void {
        guard let stack = (model as? any LayerReplicating)?.layerStack else {
            throw TunerError.invalidValue(field: Self.field, reason: "Could not locate the layers attribute in the model. Expected Llama, Bert or Falcon compatible architectures. (\(model.architecture) has no layer list PEFT replicates: it looks for model.layers, encoder.layer or h; remove layer_replication)")
        }
        let map = try layerMap(layerCount: stack.checkpointCount)
        if stack.isReplicated {
            guard map == stack.sources else {
                throw TunerError.invalidValue(field: Self.field, reason: "\(stack.name) is already expanded to the checkpoint's layers \(stack.sources) by an earlier adapter's layer_replication, and this one asks for \(map); PEFT would replicate the expanded stack again, tying the copies' earlier adapters together. Give this adapter the same layer_replication or null (it then wraps every copy)")
            }
            return {}
        }
        do {
            return try stack.replicate(map, in: model)
        } catch let error as ModelError {
            throw TunerError.invalidValue(field: Self.field, reason: "\(error); layer_replication copies plain layers, so apply it before any adapter is added to \(stack.name)")
        }
    }
}
