import Tensors

/// The matrix pieces the SVD- and QR-based inits share.
enum LowRankFactors {
    /// Refuses a rank the weight cannot supply: its factors have only `min(out, in)` components.
    static func requireRank(_ input: LinearInitializationInput, method: String) throws {
        let available = min(input.inFeatures, input.outFeatures)
        guard input.r <= available else {
            throw TunerError.invalidValue(field: "r", reason: "init_lora_weights=\"\(method)\" takes r components of the weight of \(input.module), an \(input.outFeatures) × \(input.inFeatures) matrix of rank at most \(available), but r is \(input.r); lower r (or its rank_pattern entry) to \(available) or less")
        }
    }

    /// The first `count` columns of a matrix, as a new `[rows, count]` matrix.
    static func leadingColumns(_ matrix: Tensor, _ count: Int) -> Tensor {
        let (rows, cols) = (matrix.shape[0], matrix.shape[1])
        let values = matrix.scalars
        return Tensor.make(shape: [rows, count]) { out in
            for i in 0 ..< rows { for j in 0 ..< count { out[i * count + j] = values[i * cols + j] } }
        }
    }

    /// `diag(factors) · matrix`.
    static func scalingRows(_ matrix: Tensor, by factors: [Float]) -> Tensor {
        let cols = matrix.shape[1]
        let values = matrix.scalars
        return Tensor.make(shape: matrix.shape) { out in
            for i in out.indices { out[i] = values[i] * factors[i / cols] }
        }
    }

    /// `matrix · diag(factors)`.
    static func scalingColumns(_ matrix: Tensor, by factors: [Float]) -> Tensor {
        let cols = matrix.shape[1]
        let values = matrix.scalars
        return Tensor.make(shape: matrix.shape) { out in
            for i in out.indices { out[i] = values[i] * factors[i % cols] }
        }
    }

    /// `W − scaling · B A`, the base weight the inits leave behind.
    static func residual(_ weight: Tensor, a: Tensor, b: Tensor, scaling: Double) throws -> Tensor {
        try GradMode.withoutGradients { try weight - b.matmul(a).scaled(by: Float(scaling)) }
    }
}
