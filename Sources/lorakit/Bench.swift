import ArgumentParser
import Benchmarks

/// `lorakit bench`: speed measurements of the engine (release build).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the engine's speed.",
        subcommands: [Gemm.self, Ops.self])

    /// `lorakit bench gemm`.
    struct Gemm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "GFLOP/s of the engine's matmul against a direct cblas_sgemm call.")

        @Option(name: .long, parsing: .upToNextOption, help: "Square matrix sizes.")
        var sizes: [Int] = [256, 512, 1024, 2048]

        func run() throws {
            print(GemmBenchmark.format(try GemmBenchmark(sizes: sizes).run()))
        }
    }

    /// `lorakit bench ops`.
    struct Ops: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forward and forward+backward time of each fused op at transformer sizes.")

        func run() throws {
            print(OpsBenchmark.format(try OpsBenchmark().run()))
        }
    }
}
