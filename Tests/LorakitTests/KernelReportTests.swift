import Foundation
import Testing
import Tensors

/// The kernel the real binary runs on, as `lorakit --version` reports it.
@Suite struct KernelReportTests {
    /// With no variable set, a CPU with AVX2 never runs on an SSE fallback such as Prescott.
    @Test func versionReportsAKernelThatUsesTheCPU() throws {
        let result = try LorakitBinary.run(["--version"], environment: [
            OpenBLASCoreChoice.coreTypeVariable: nil, OpenBLASCoreChoice.originalChoiceVariable: nil,
        ])
        #expect(result.status == 0, "\(result.error)")
        let line = try #require(result.output.split(separator: "\n").first { $0.hasPrefix("OpenBLAS ") }, "no kernel line in: \(result.output)")
        let words = line.split(separator: " ")
        let kernel = try #require(words.firstIndex(of: "kernel").map { String(words[$0 + 1]) })
        #expect(line.contains("threads"))
        if let features = CPUFeatures.current, features.avx2 {
            let generation = OpenBLASCoreChoice.generation(of: kernel)
            #expect(generation == nil || generation! >= 3, "AVX2 CPU (\(features.summary)) runs OpenBLAS on \(kernel)")
        }
    }

    /// A user's own `OPENBLAS_CORETYPE` is kept and named as theirs.
    @Test func userSettingIsRespected() throws {
        let result = try LorakitBinary.run(["--version"], environment: [
            OpenBLASCoreChoice.coreTypeVariable: "Sandybridge", OpenBLASCoreChoice.originalChoiceVariable: nil,
        ])
        #expect(result.status == 0)
        #expect(result.output.contains("kernel Sandybridge (set by OPENBLAS_CORETYPE"), "\(result.output)")
        // A CPU with AVX2 runs a later core than Sandybridge's AVX, and the line names it.
        if let better = OpenBLASCoreChoice.betterCore(than: "Sandybridge", features: CPUFeatures.current) {
            #expect(result.output.contains("this CPU also runs \(better), unset the variable to use it)"), "\(result.output)")
        }
    }
}
