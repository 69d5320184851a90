import Models
import Tensors

/// The merged values of adapted base weights, made a layer at a time for a merged export
/// (`PeftModel.writeMerged`) instead of merging the whole model first. Asked for a base weight of an
/// adapter layer, it merges that layer, with every layer sharing one of its base weights (a
/// replicated layer's copies, a tied embedding and head), into its base weights dequantised to
/// float32, reads their merged values in the export's dtype, and puts the layers back exactly as
/// they were: unmerged, packed weights (bf16, f16, nf4) packed again bit for bit, float32 ones
/// restored from a copy. An export so needs about one weight's float32 values beyond the model,
/// not a float32 model. The values of the last merged layers are kept until another layer's are
/// asked for (a weight and then its bias). Layers already merged, or with no active adapter, are
/// read as they are.
final class LayerwiseMerge {
    /// Layers merged together (they share base weights) and their base weights with full names.
    private struct Group {
        /// The layers with their places in the model's order, the order they merge in.
        var layers: [(index: Int, layer: any AdapterLayer)] = []
        var parameters: [(name: String, parameter: Parameter)] = []
    }

    private var groups: [Group] = []
    private var groupOfParameter: [ObjectIdentifier: Int] = [:]
    private let adapters: [String]
    private let safe: Bool
    private let dtype: ExportDType
    private var latest: (group: Int, values: [ObjectIdentifier: SafeTensorsValue])?

    /// Merges `adapters` of `layers` (full names) on demand; `safe` checks each merged weight for
    /// NaN/Inf before it is used (PEFT's `safe_merge`).
    init(layers: [(name: String, layer: any AdapterLayer)], adapters: [String], safe: Bool, dtype: ExportDType) {
        self.adapters = adapters
        self.safe = safe
        self.dtype = dtype
        for (index, (name, layer)) in layers.enumerated() where !layer.isMerged && !layer.adaptersToMerge(adapters).isEmpty {
            let parameters = layer.baseLayer.namedParameters().map { (name: "\(name).base_layer.\($0.name)", parameter: $0.parameter) }
            let sharing = Set(parameters.compactMap { groupOfParameter[ObjectIdentifier($0.parameter)] }).sorted()
            let target = sharing.first ?? groups.count
            if target == groups.count { groups.append(Group()) }
            for other in sharing.dropFirst() {
                groups[target].layers = (groups[target].layers + groups[other].layers).sorted { $0.index < $1.index }
                for entry in groups[other].parameters {
                    groups[target].parameters.append(entry)
                    groupOfParameter[ObjectIdentifier(entry.parameter)] = target
                }
                groups[other] = Group()
            }
            groups[target].layers.append((index, layer))
            for entry in parameters where groupOfParameter[ObjectIdentifier(entry.parameter)] == nil {
                groups[target].parameters.append(entry)
                groupOfParameter[ObjectIdentifier(entry.parameter)] = target
            }
        }
    }

    /// `parameter`'s values in the export's dtype, merged when it is an adapted base weight.
    func value(of parameter: Parameter) throws -> SafeTensorsValue {
        let id = ObjectIdentifier(parameter)
        guard let group = groupOfParameter[id] else { return try dtype.value(of: parameter) }
        if latest?.group != group {
            latest = nil
            latest = (group, try mergedValues(of: groups[group]))
        }
        guard let value = latest?.values[id] else { throw TunerError.invalidState("the merged values of a base weight are missing") }
        return value
    }

    /// Merges `group`'s layers, reads its parameters' values, and puts everything back as it was.
    private func mergedValues(of group: Group) throws -> [ObjectIdentifier: SafeTensorsValue] {
        let saved = try group.parameters.map { entry in
            (entry, packed: entry.parameter.frozen, values: entry.parameter.frozen == nil ? try entry.parameter.value().copy() : nil)
        }
        var merged: [any AdapterLayer] = []
        defer {
            for layer in merged.reversed() { try? layer.unmerge() }
            for (entry, packed, values) in saved {
                if let packed { try? entry.parameter.pack(packed, name: entry.name) } else if let values { try? entry.parameter.value().assign(values) }
            }
        }
        for entry in group.parameters { entry.parameter.unpack() }
        for (_, layer) in group.layers {
            try layer.merge(adapters: adapters, safe: safe)
            merged.append(layer)
        }
        return try Dictionary(group.parameters.map { (ObjectIdentifier($0.parameter), try dtype.detachedValue(of: $0.parameter)) }, uniquingKeysWith: { first, _ in first })
    }
}
