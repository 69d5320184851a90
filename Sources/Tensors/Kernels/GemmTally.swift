/// Counts the matrix products `Kernels.gemm` hands to BLAS while a piece of code runs on the
/// current task, and their floating-point operations (2·m·n·k each): tests check that a frozen
/// weight costs no gradient product, and `lorakit bench train` reports the share of the GEMM peak.
/// The tally is task-local, so code running concurrently elsewhere is not counted.
public final class GemmTally: @unchecked Sendable {
    /// The tally products are added to on this task, if any.
    @TaskLocal public static var current: GemmTally?

    public private(set) var calls = 0
    public private(set) var flops = 0

    public init() {}

    func add(flops: Int) {
        calls += 1
        self.flops += flops
    }

    /// Runs `body` with a fresh tally and returns it.
    public static func counting(_ body: () throws -> Void) rethrows -> GemmTally {
        let tally = GemmTally()
        try $current.withValue(tally) { try body() }
        return tally
    }
}
