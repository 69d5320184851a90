import Foundation
import Models
import Tensors

/// PEFT's compact VB-LoRA file (`save_only_topk_weights: true`): for each logits tensor `z`
/// `[..., num_vectors]`, `<key>_topk_indices` (the top-k indices, as the narrowest integer type that
/// holds `num_vectors`) and `<key>_topk_weights` (the softmax of the top-k values, the last one
/// dropped, `[..., topk - 1]`), beside the bank. Loading rebuilds logits that are `log(weight)` at
/// the indices (the dropped weight is 1 minus the others) and -inf elsewhere, which give the same
/// mix; the full logits are gone, so such an adapter cannot be trained.
extension VBLoRAConfig {
    static let indicesSuffix = "_topk_indices", weightsSuffix = "_topk_weights"

    /// PEFT's choice of the index dtype from `num_vectors`.
    var indicesDType: SafeTensorsDType {
        numVectors < 1 << 8 ? .u8 : numVectors < 1 << 15 ? .i16 : numVectors < 1 << 31 ? .i32 : .i64
    }

    /// Whether a saved key holds VB-LoRA logits.
    static func isLogits(_ key: String) -> Bool { logitsNames.contains { key.hasSuffix("." + $0) } }
    private static var logitsNames: [String] { VBLoRALinear.logitsNames }

    /// PEFT's `get_peft_model_state_dict` for VB-LoRA: the logits become top-k indices and weights
    /// with `save_only_topk_weights`; everything else is saved as it is.
    public func savedTensors(_ live: [String: Tensor], adapter: String) throws -> [String: SafeTensorsValue] {
        guard saveOnlyTopkWeights else { return live.mapValues { .float32($0) } }
        var saved: [String: SafeTensorsValue] = [:]
        for (key, tensor) in live {
            guard Self.isLogits(key) else { saved[key] = .float32(tensor); continue }
            let (weights, indices) = try GradMode.withoutGradients { try tensor.detached().topKSoftmax(k: topk) }
            let leading = Array(tensor.shape.dropLast())
            saved[key + Self.indicesSuffix] = .integers(indicesDType, shape: leading + [topk], values: indices)
            let rows = weights.count / topk
            let kept = weights.withUnsafeBufferPointer { w in (0 ..< rows).flatMap { row in (0 ..< topk - 1).map { w[row * topk + $0] } } }
            saved[key + Self.weightsSuffix] = .float32(Tensor(shape: leading + [topk - 1], data: kept))
        }
        return saved
    }

    /// PEFT's `set_peft_model_state_dict` for VB-LoRA: a compact file's indices and weights become
    /// logits again; a file of full logits loads as it is.
    public func tensorsToLoad(from file: SafeTensorsFile) throws -> [SavedAdapterTensor] {
        func logitsKey(_ name: String, _ suffix: String) -> String? {
            name.hasSuffix(suffix) && Self.isLogits(String(name.dropLast(suffix.count))) ? String(name.dropLast(suffix.count)) : nil
        }
        var result: [SavedAdapterTensor] = []
        for info in file.tensorInfos where logitsKey(info.name, Self.weightsSuffix) == nil {
            guard let key = logitsKey(info.name, Self.indicesSuffix) else {
                result.append(SavedAdapterTensor(name: info.name, shape: info.shape) { try file.tensor(named: info.name) })
                continue
            }
            guard let weights = file.info(named: key + Self.weightsSuffix) else {
                throw TunerError.adapterMismatch(path: file.path, reason: "\(info.name) has no \(key + Self.weightsSuffix) beside it")
            }
            let leading = Array(info.shape.dropLast())
            guard let k = info.shape.last, k > 0, weights.shape == leading + [k - 1] else {
                throw TunerError.adapterMismatch(path: file.path, reason: "\(weights.name) is \(weights.shape) but \(info.name) is \(info.shape); the weights must have one entry fewer per row than the indices")
            }
            let shape = leading + [numVectors]
            result.append(SavedAdapterTensor(name: key, shape: shape) {
                try Self.logits(indices: file.integers(named: info.name), weights: file.tensor(named: weights.name), k: k, shape: shape, file: file.path, key: key)
            })
        }
        return result
    }

    /// Logits that are `log(w)` at each row's indices (the last weight is 1 minus the others) and -inf elsewhere.
    private static func logits(indices: [Int], weights: Tensor, k: Int, shape: [Int], file: String, key: String) throws -> Tensor {
        let numVectors = shape.last ?? 0
        if let bad = indices.first(where: { $0 < 0 || $0 >= numVectors }) {
            throw TunerError.adapterMismatch(path: file, reason: "\(key)\(indicesSuffix) holds index \(bad), outside the \(numVectors) bank vectors of num_vectors")
        }
        let rows = indices.count / k
        var data = [Float](repeating: -.infinity, count: rows * numVectors)
        weights.withUnsafeBufferPointer { w in
            for row in 0 ..< rows {
                let saved = w[(row * (k - 1)) ..< ((row + 1) * (k - 1))]
                for slot in 0 ..< k {
                    let weight = slot < k - 1 ? saved[saved.startIndex + slot] : 1 - saved.reduce(0, +)
                    data[row * numVectors + indices[row * k + slot]] = log(weight)
                }
            }
        }
        return Tensor(shape: shape, data: data)
    }
}
