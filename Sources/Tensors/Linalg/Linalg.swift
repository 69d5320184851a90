/// Matrix decompositions through LAPACK, after `torch.linalg`: `svd`, `qr` and `eigh`.
///
/// Inputs are row-major `[rows, cols]` tensors; each call works on a private copy (LAPACK overwrites
/// its input) and returns new tensors that are not recorded on the tape, whatever the input's
/// `requiresGrad`. Matrices with a zero dimension give empty (or identity) factors without calling
/// LAPACK. Non-matrices, non-finite values and LAPACK failures throw a `TensorError` that names the
/// routine and the shape.
public enum Linalg {}
