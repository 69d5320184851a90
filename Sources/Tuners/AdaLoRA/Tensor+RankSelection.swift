import Tensors

extension Tensor {
    /// The rows of a matrix whose entry in `keep` is true, as a new matrix.
    func selectingRows(_ keep: [Bool]) -> Tensor {
        let columns = shape[1], values = scalars
        let rows = keep.indices.filter { keep[$0] }
        return Tensor(shape: [rows.count, columns], data: rows.flatMap { values[$0 * columns ..< ($0 + 1) * columns] })
    }

    /// The columns of a matrix whose entry in `keep` is true, as a new matrix.
    func selectingColumns(_ keep: [Bool]) -> Tensor {
        let (rows, columns) = (shape[0], shape[1]), values = scalars
        let kept = keep.indices.filter { keep[$0] }
        return Tensor(shape: [rows, kept.count], data: (0 ..< rows).flatMap { row in kept.map { values[row * columns + $0] } })
    }
}
