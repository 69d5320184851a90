import Models
import Tensors

/// PEFT's `TrainableTokensWrapper` and its `token_adapter` (`TrainableTokensLayer`): in the slot of
/// an embedding (or of an output head tied to it), per adapter the new rows of some token ids
/// (`token_adapter.trainable_tokens_delta.<adapter>`, `[ids, dim]`, initialised as copies of the
/// original rows: not a difference). The forward pass uses the base table with those rows replaced
/// (`index_copy`); merging writes them into the table, unmerging writes the original rows back.
///
/// A wrapper `tiedTo` another (the head whose weight is the input embedding's) holds nothing of its
/// own: it reads the other's rows, so one trained tensor serves both, and it saves nothing.
public class TrainableTokensWrapper: Module, AdapterLayer {
    /// The wrapped embedding or head (`token_adapter.base_layer`).
    public let baseLayer: Module
    /// The full name of the wrapped module.
    public let path: String
    public var adapterNames: [String] { tiedTo?.adapterNames ?? ownNames }
    public var activeAdapters: [String] = []
    public var adaptersDisabled = false
    public private(set) var mergedAdapters: [String] = []
    /// The wrapper whose rows this one uses, if tied.
    let tiedTo: TrainableTokensWrapper?
    private var ownNames: [String] = []
    private var indices: [String: [Int]] = [:]
    /// `trainable_tokens_original`: the rows as they were when the adapter was added.
    private var originals: [String: Tensor] = [:]
    let weight: Parameter
    static let deltas = "trainable_tokens_delta"

    /// The wrapper of `base` (an `Embedding`, or a bias-free `Linear` head); `tiedTo` another wrapper
    /// whose rows it shares.
    static func wrapping(_ base: Module, path: String, tiedTo: TrainableTokensWrapper? = nil) throws -> TrainableTokensWrapper {
        switch base {
        case let embedding as Embedding: return TokenTrainableTokensWrapper(base, path: path, weight: embedding.weight, tiedTo: tiedTo)
        case let linear as Linear where linear.bias == nil: return TensorTrainableTokensWrapper(base, path: path, weight: linear.weight, tiedTo: tiedTo)
        default:
            throw TunerError.unsupportedModule(name: path, reason: "trainable_token_indices trains rows of an embedding (or of an output head without bias tied to one), and \(path) is a \(base.typeName); name an embedding such as embed_tokens")
        }
    }

    fileprivate init(_ base: Module, path: String, weight: Parameter, tiedTo: TrainableTokensWrapper?) {
        baseLayer = base
        self.path = path
        self.weight = weight
        self.tiedTo = tiedTo
        super.init(kind: base.kind, typeName: "TrainableTokensWrapper")
        let tokenAdapter = Module(kind: .container, typeName: "TrainableTokensLayer")
        tokenAdapter.register(base, as: "base_layer")
        if tiedTo == nil { tokenAdapter.register(AdapterParameterDict(), as: Self.deltas) }
        register(tokenAdapter, as: "token_adapter")
    }

    private var tokenAdapter: Module { child("token_adapter")! }

    /// The token ids of `adapter`.
    public func tokenIndices(of adapter: String) -> [Int]? { tiedTo?.tokenIndices(of: adapter) ?? indices[adapter] }

    /// The trainable rows of `adapter`.
    func delta(of adapter: String) -> Parameter? {
        tiedTo?.delta(of: adapter) ?? tokenAdapter.child(Self.deltas)?.parameter(adapter)
    }

    private func original(of adapter: String) -> Tensor? { tiedTo?.original(of: adapter) ?? originals[adapter] }

    /// Adds `adapter` with rows for `ids`, copies of the current rows (PEFT's `init_weights=True`).
    /// A tied wrapper only follows its source.
    func add(_ adapter: String, ids: [Int]) throws {
        guard tiedTo == nil else { return }
        let rows = weight.shape[0]
        if let bad = ids.first(where: { $0 >= rows }) {
            throw TunerError.invalidValue(field: TrainableTokenIndices.field, reason: "token id \(bad) is outside \(path)'s \(rows) rows (ids 0..\(rows - 1))")
        }
        let current = try GradMode.withoutGradients { try weight.value().indexSelect(rows: ids).copy() }
        indices[adapter] = ids
        originals[adapter] = current
        tokenAdapter.child(Self.deltas)!.register(Parameter(current.copy()), as: adapter)
        if !ownNames.contains(adapter) { ownNames.append(adapter) }
    }

    public func adapterParameters(of adapter: String) -> [(name: String, parameter: Parameter)] {
        guard tiedTo == nil, let delta = delta(of: adapter) else { return [] }
        return [("token_adapter.\(Self.deltas).\(adapter)", delta)]
    }

    public func deleteAdapter(_ adapter: String) {
        activeAdapters.removeAll { $0 == adapter }
        guard tiedTo == nil, ownNames.contains(adapter) else { return }
        ownNames.removeAll { $0 == adapter }
        indices[adapter] = nil
        originals[adapter] = nil
        tokenAdapter.removeEntries(of: adapter, from: [Self.deltas])
    }

    /// The active adapters this wrapper holds, refused when their ids overlap (PEFT's
    /// `_check_overlapping_tokens`; merged ones count too).
    private func adaptersInUse(_ names: [String]) throws -> [String] {
        let held = names.filter(adapterNames.contains)
        var seen = Set<Int>(), checked = Set<String>()
        for name in mergedAdapters + held where checked.insert(name).inserted {
            let ids = Set(tokenIndices(of: name) ?? [])
            if !seen.isDisjoint(with: ids) {
                throw TunerError.invalidState("Token indices of adapter \(name) are already defined and would result in undefined merging behavior. Only disjunct token indices are currently supported.")
            }
            seen.formUnion(ids)
        }
        return held
    }

    /// Whether the forward pass uses the base table as it is: adapters disabled (a merged adapter is
    /// taken out first, as PEFT does) or merged.
    private func usesBaseTable() throws -> Bool {
        if adaptersDisabled, isMerged { try unmerge() }
        return adaptersDisabled || isMerged
    }

    /// For each row of the table, nil or the (adapter, position) whose trainable row replaces it.
    private func replacements(_ adapters: [String]) -> [Int: (adapter: String, row: Int)] {
        var map: [Int: (String, Int)] = [:]
        for adapter in adapters { for (row, id) in (tokenIndices(of: adapter) ?? []).enumerated() { map[id] = (adapter, row) } }
        return map
    }

    /// The rows for `ids` (`[ids.count, dim]`) as the active adapters make them: looked up in the
    /// base, then the trainable rows put in place, with gradients reaching those rows only.
    func lookUp(_ ids: [Int], base: () throws -> Tensor) throws -> Tensor {
        let useBase = try usesBaseTable()
        let rows = try base()
        guard !useBase else { return rows }
        let adapters = try adaptersInUse(activeAdapters)
        let map = replacements(adapters)
        guard ids.contains(where: { map[$0] != nil }) else { return rows }
        var parts = [rows], offsets: [String: Int] = [:], next = ids.count
        for adapter in adapters {
            offsets[adapter] = next
            let delta = try delta(of: adapter)!.value()
            parts.append(delta)
            next += delta.shape[0]
        }
        let picks = ids.enumerated().map { position, id in map[id].map { offsets[$0.adapter]! + $0.row } ?? position }
        return try Tensor.concat(parts, axis: 0).indexSelect(rows: picks)
    }

    /// The table with the active adapters' rows in place (PEFT's `get_merged_weights`).
    func adaptedTable() throws -> Tensor {
        let useBase = try usesBaseTable()
        let table = try weight.value()
        guard !useBase else { return table }
        let adapters = try adaptersInUse(activeAdapters)
        guard !adapters.isEmpty else { return table }
        return try lookUp(Array(0 ..< table.shape[0])) { try GradMode.withoutGradients { table.copy() } }
    }

    // MARK: Merging

    /// The table minus the base one: the rows' new values less their originals, zero elsewhere.
    public func deltaWeight(of adapter: String) throws -> Tensor {
        guard let ids = tokenIndices(of: adapter), let delta = delta(of: adapter), let original = original(of: adapter) else {
            throw TunerError.unknownAdapter(adapter, available: adapterNames)
        }
        return try GradMode.withoutGradients {
            let change = try delta.value() - original
            let out = Tensor.zeros(weight.shape), width = weight.shape[1]
            out.withUnsafeMutableBufferPointer { dst in
                change.withUnsafeBufferPointer { src in
                    for (row, id) in ids.enumerated() {
                        for j in 0 ..< width { dst[id * width + j] += src[row * width + j] }
                    }
                }
            }
            return out
        }
    }

    /// Writes `rows` of `values` (`[ids, dim]`) into the base table at `ids`.
    private func write(_ values: Tensor, at ids: [Int]) throws {
        let table = try weight.value(), width = weight.shape[1]
        table.withUnsafeMutableBufferPointer { dst in
            values.withUnsafeBufferPointer { src in
                for (row, id) in ids.enumerated() {
                    (dst.baseAddress! + id * width).update(from: src.baseAddress! + row * width, count: width)
                }
            }
        }
    }

    public func merge(adapters requested: [String]?, safe: Bool) throws {
        let names = adaptersToMerge(requested)
        guard !names.isEmpty else { return }
        _ = try adaptersInUse(names)
        try GradMode.withoutGradients {
            for name in names {
                let values = try delta(of: name)!.value()
                if safe, !values.isFinite { throw TunerError.brokenMerge(adapter: name, module: path) }
            }
            for name in names {
                try write(delta(of: name)!.value(), at: tokenIndices(of: name)!)
                mergedAdapters.append(name)
            }
        }
    }

    public func unmerge() throws {
        while let name = mergedAdapters.popLast() {
            guard let ids = tokenIndices(of: name), let original = original(of: name) else { continue }
            try write(original, at: ids)
        }
    }
}

/// A trainable-tokens wrapper in an embedding's slot.
final class TokenTrainableTokensWrapper: TrainableTokensWrapper, TokenLayer {
    func forward(ids: [Int], shape: [Int]) throws -> Tensor {
        let base = baseLayer as! any TokenLayer
        let rows = try lookUp(ids) { try base.forward(ids: ids, shape: [ids.count]) }
        return try rows.reshaped(shape + [rows.shape[1]])
    }
}

/// A trainable-tokens wrapper in an output head's slot (`lm_head` tied to the input embedding):
/// `x · Wᵀ` with the adapted table, as PEFT's `F.linear` (no bias).
final class TensorTrainableTokensWrapper: TrainableTokensWrapper, TensorLayer {
    func forward(_ x: Tensor) throws -> Tensor {
        try x.linear(weight: adaptedTable())
    }
}
