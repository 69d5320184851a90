import CBLAS

/// Scales the gradients of `parameters` in place so that their total L2 norm is at most `maxNorm`,
/// as `torch.nn.utils.clip_grad_norm_` does: `coefficient = maxNorm / (total + 1e-6)`, applied only
/// when it is below 1. Parameters without a gradient are skipped.
///
/// - Returns: the total norm before clipping. When it is NaN or infinite the gradients are left
///   unchanged (torch would scale them by NaN or 0), so the caller can report the norm and skip the step.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    let gradients = parameters.compactMap(\.grad)
    let sumOfSquares = gradients.reduce(Double(0)) { sum, gradient in
        let norm = gradient.withUnsafeBufferPointer { Double(cblas_snrm2(Int32(gradient.count), $0.baseAddress, 1)) }
        return sum + norm * norm
    }
    let total = Float(sumOfSquares.squareRoot())
    guard total.isFinite else { return total }
    let coefficient = maxNorm / (total + 1e-6)
    guard coefficient < 1 else { return total }
    for gradient in gradients {
        gradient.withUnsafeMutableBufferPointer { cblas_sscal(Int32(gradient.count), coefficient, $0.baseAddress, 1) }
    }
    return total
}
