/// An error from a tensor operation: shapes that do not fit, an argument out of range, or a LAPACK
/// routine that failed. Its description names the operation, the shapes and what to change.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// The operands' shapes do not fit the operation.
    case shapeMismatch(op: String, shapes: [[Int]], reason: String)
    /// An argument is outside what the operation accepts.
    case invalidArgument(op: String, reason: String)
    /// A LAPACK routine reported failure (`info != 0`).
    case lapackFailure(routine: String, info: Int32, reason: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, shapes, reason):
            let list = shapes.map { "\($0)" }.joined(separator: " and ")
            return "\(op): shapes \(list) do not fit: \(reason)"
        case let .invalidArgument(op, reason):
            return "\(op): \(reason)"
        case let .lapackFailure(routine, info, reason):
            return "\(routine) failed (info = \(info)): \(reason)"
        }
    }
}
