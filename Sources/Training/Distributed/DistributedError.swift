/// A data-parallel job that cannot go on: MPI could not be loaded, a rank died or hangs, the ranks
/// disagree. `agreed` errors are reached by every rank together (a NaN reported to all), so each
/// rank can end by itself; the others mean the job must be aborted from this rank.
public struct DistributedError: Error, CustomStringConvertible, Equatable {
    public let message: String
    /// Whether every rank of the job raises this same error at the same point.
    public let agreed: Bool

    public init(_ message: String, agreed: Bool = false) {
        self.message = message
        self.agreed = agreed
    }

    public var description: String { message }
}
