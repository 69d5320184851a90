import CBLAS
import Foundation
import Tensors

/// `lorakit bench gemm`: the matrix-product speed of the engine's `matmul` path against a direct
/// `cblas_sgemm` call on the same buffers, in the same run, at square sizes.
public struct GemmBenchmark {
    /// One size's result.
    public struct Row: Sendable {
        public let size: Int
        public let engineGFlops: Double
        public let blasGFlops: Double
        public var ratio: Double { engineGFlops / blasGFlops }
    }

    public let sizes: [Int]

    public init(sizes: [Int] = [256, 512, 1024, 2048]) { self.sizes = sizes }

    /// Runs every size and returns the rows; each figure is the best of several timed repetitions.
    public func run() throws -> [Row] {
        var generator = RandomGenerator(seed: 0)
        return try sizes.map { n in
            let a = Tensor.normal([n, n], generator: &generator), b = Tensor.normal([n, n], generator: &generator)
            let flops = 2 * Double(n) * Double(n) * Double(n)
            let repetitions = max(3, min(50, Int(2e10 / flops)))
            let engine = try Timing.best(of: repetitions) { _ = try a.matmul(b) }
            let c = Tensor.zeros([n, n])
            let blas = Kernels.withBlasThreads(Parallel.width) { Timing.best(of: repetitions) {
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n),
                                        1, pa.baseAddress, Int32(n), pb.baseAddress, Int32(n), 0, pc.baseAddress, Int32(n))
                        }
                    }
                }
            } }
            return Row(size: n, engineGFlops: flops / engine / 1e9, blasGFlops: flops / blas / 1e9)
        }
    }

    /// The rows as a text table.
    public static func format(_ rows: [Row]) -> String {
        var table = TextTable(header: ["size", "engine GFLOP/s", "cblas_sgemm GFLOP/s", "engine/blas"])
        table.rows = rows.map {
            ["\($0.size)", String(format: "%.1f", $0.engineGFlops), String(format: "%.1f", $0.blasGFlops), String(format: "%.1f%%", $0.ratio * 100)]
        }
        return table.rendered
    }
}

/// Wall-clock timing for benchmarks.
enum Timing {
    /// The shortest of `repetitions` timings of `body`, in seconds, after one untimed warm-up run.
    static func best(of repetitions: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var best = Double.infinity
        for _ in 0 ..< repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }

    /// One timing of `body`, in seconds (for operations that change state, such as a merge).
    static func once(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
