import Foundation
import Synchronization
import Testing
@testable import Tensors

@Suite struct WorkerPoolTests {
    /// Runs many short loops back to back, as training does, from two threads at once (one of
    /// them must fall back to running its loop alone), and checks every item ran exactly once.
    @Test(.timeLimit(.minutes(1))) func everyItemRunsExactlyOnceUnderBackToBackAndConcurrentLoops() async throws {
        let pool = WorkerPool(workers: 1)
        @Sendable func hammer(_ seed: Int) -> [String] {
            var problems: [String] = []
            let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: 8)
            defer { hits.deallocate() }
            for round in 0 ..< 5_000 {
                let count = 1 + (round + seed) % 7
                hits.initialize(repeating: 0)
                pool.run(count) { i in hits[i] += 1 }
                for i in 0 ..< count where hits[i] != 1 {
                    problems.append("round \(round): item \(i) of \(count) ran \(hits[i]) times")
                }
            }
            return problems
        }
        async let first = Task.detached { hammer(0) }.value
        async let second = Task.detached { hammer(3) }.value
        let problems = await first + second
        #expect(problems.isEmpty, "\(problems.prefix(5))")
    }

    @Test func nestedLoopsRunOnTheirCallersThread() {
        let pool = WorkerPool(workers: 1)
        let total = Atomic<Int>(0)
        pool.run(2) { _ in pool.run(3) { j in total.add(j + 1, ordering: .relaxed) } }
        #expect(total.load(ordering: .relaxed) == 12)
    }
}
