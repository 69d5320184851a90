import Foundation
import Models
import Tensors

/// CorDA's input covariances (PEFT's `calib_cov_distribution`): one forward per calibration row
/// (batch 1, as PEFT's hook requires: it squeezes the batch away); for every targeted layer its input
/// `X` is divided by `|max(X)|` (the largest value, not magnitude) and `Xᵀ X` is summed; after the
/// pass each sum is divided by the number of forwards. With `use_float16_for_covariance` the
/// normalised input, each product and the running sum are rounded to float16, as PEFT keeps them for
/// a float16 model. A `covariance_file` that exists is read instead of running the model, and one
/// that does not is written after the pass (safetensors, one `[in, in]` tensor per module name).
enum CordaCovariance {
    static func covariances(_ model: any PretrainedModel, targets: [LinearTarget], config: CordaConfig,
                            calibration: Calibration) throws -> [String: Tensor] {
        if let file = config.covarianceFile, let stored = try CordaFiles.existing(file, role: "covariance_file") {
            return try Dictionary(uniqueKeysWithValues: targets.map { target in
                (target.name, try CordaFiles.tensor(stored, named: target.name, shape: [target.inFeatures, target.inFeatures], role: "covariance_file"))
            })
        }
        for (index, batch) in calibration.batches.enumerated() where batch.input.batch != 1 {
            throw TunerError.invalidValue(field: "init_lora_weights", reason: "\"corda\" runs one calibration row per forward (PEFT's hook needs batch 1), but batch \(index + 1) has \(batch.input.batch) rows; use --batch-size 1")
        }
        let half = config.useFloat16ForCovariance
        var sums: [String: [Float]] = [:], calls: [String: Int] = [:]
        try LayerInputRecorder.recording(targets, in: model, record: { name, x in
            var values = x.scalars
            if half { values = values.map(Self.half) }
            let features = x.shape.last ?? 0
            guard let largest = values.max(), features > 0 else { return }
            let scale = abs(largest)
            values = values.map { half ? Self.half($0 / scale) : $0 / scale }
            guard values.allSatisfy(\.isFinite) else {
                throw TunerError.invalidValue(field: "calibration data", reason: "Invalid value found in input, please check your input data. (The input of \(name) is \(largest == 0 ? "0 everywhere, so it cannot be normalised by its largest value" : "not finite") on calibration row \((calls[name] ?? 0) + 1).)")
            }
            let rows = Tensor(shape: [values.count / features, features], data: values)
            var product = try rows.matmul(rows, transposeSelf: true).scalars
            if half { product = product.map(Self.half) }
            guard product.allSatisfy(\.isFinite) else {
                throw TunerError.invalidValue(field: "calibration data", reason: "Invalid value found in covariance of \(name) (float16 overflows beyond 65504; set use_float16_for_covariance to false)")
            }
            var sum = sums[name] ?? [Float](repeating: 0, count: features * features)
            for i in sum.indices { sum[i] = half ? Self.half(sum[i] + product[i]) : sum[i] + product[i] }
            sums[name] = sum
            calls[name, default: 0] += 1
        }) {
            for (index, batch) in calibration.batches.enumerated() {
                try calibration.checkStop("CorDA")
                _ = try model.forward(batch.input)
                calibration.report(CalibrationProgress(method: "CorDA", done: index + 1, total: calibration.batches.count, detail: "covariance rows"))
            }
        }
        var covariances: [String: Tensor] = [:]
        for target in targets {
            guard let sum = sums[target.name], let count = calls[target.name] else {
                throw TunerError.invalidState("CorDA: \(target.name) saw no input during the calibration pass; it does not take part in the model's forward")
            }
            covariances[target.name] = Tensor(shape: [target.inFeatures, target.inFeatures], data: sum.map { half ? Self.half($0 / Float(count)) : $0 / Float(count) })
        }
        if let file = config.covarianceFile { try CordaFiles.write(covariances, to: file) }
        return covariances
    }

    /// `value` rounded to float16 and back.
    static func half(_ value: Float) -> Float { Float(Float16(value)) }
}

/// CorDA's `cache_file` and `covariance_file`. PEFT writes them with `torch.save`; lorakit reads and
/// writes them as safetensors under the same keys.
enum CordaFiles {
    /// The file at `path` if it exists and is not empty (PEFT's test), else nil.
    static func existing(_ path: String, role: String) throws -> SafeTensorsFile? {
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        guard let size = try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int, size > 0 else { return nil }
        if let handle = FileHandle(forReadingAtPath: url.path), handle.readData(ofLength: 2) == Data("PK".utf8) {
            throw TunerError.invalidValue(field: "corda_config.\(role)", reason: "\(path) was written by torch.save (PEFT); lorakit keeps this file as safetensors, so give a path that does not exist yet (lorakit writes it) or delete this one")
        }
        do {
            return try SafeTensorsFile(contentsOf: url)
        } catch {
            throw TunerError.invalidValue(field: "corda_config.\(role)", reason: "\(path) cannot be read: \(error); delete it to have it written again")
        }
    }

    /// The tensor `name` of a stored file, with the shape the model needs.
    static func tensor(_ file: SafeTensorsFile, named name: String, shape: [Int], role: String) throws -> Tensor {
        guard let info = file.info(named: name) else {
            throw TunerError.invalidValue(field: "corda_config.\(role)", reason: "\(file.path) has no \(name); it was made for other target modules, so delete it or give another path")
        }
        guard info.shape == shape else {
            throw TunerError.invalidValue(field: "corda_config.\(role)", reason: "\(name) in \(file.path) is \(info.shape), but the model needs \(shape); the file was made for another model or rank, so delete it or give another path")
        }
        return try file.tensor(named: name)
    }

    /// Writes `tensors` to `path` (its folder made if missing), through a temporary file renamed into place.
    static func write(_ tensors: [String: Tensor], to path: String) throws {
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: url)
    }
}
