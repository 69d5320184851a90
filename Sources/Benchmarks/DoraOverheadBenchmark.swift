import Foundation
import Training

/// `lorakit bench train --compare-dora`: what DoRA costs over plain LoRA on one model shape. A LoRA
/// and a DoRA trainer of the same base take steps in turn, each on a thread of its own that hands
/// over to the other after every step, and the overhead is the median over the step pairs of DoRA's
/// step time over LoRA's. A neighbour that slows a shared machine for a while slows both sides of a
/// pair alike, so the ratio holds where whole runs one after the other differ by more than the
/// overhead itself (`scripts/bench-pytorch-peft.py --compare-dora` measures PEFT the same way).
public struct DoraOverheadBenchmark {
    /// The shape and steps; its model's `useDora` is ignored (one side of each pair has it).
    public var training: TrainBenchmark

    public init(training: TrainBenchmark) {
        self.training = training
    }

    /// The step times of both sides, in seconds, pair by pair after the warm-up.
    public struct Result: Sendable {
        public var loraSeconds: [Double]
        public var doraSeconds: [Double]

        /// DoRA's step time over LoRA's, pair by pair, in increasing order.
        public var ratios: [Double] { zip(doraSeconds, loraSeconds).map { $0 / $1 }.sorted() }
        /// The median ratio minus one: 0.05 is 5% slower.
        public var overhead: Double { Self.median(ratios) - 1 }

        static func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return .nan }
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
    }

    public func run() throws -> Result {
        var lora = training.model, dora = training.model
        (lora.useDora, dora.useDora) = (false, true)
        let alternation = try Alternation([training.makeTrainer(lora).0, training.makeTrainer(dora).0])
        let doraDone = DispatchSemaphore(value: 0)
        let doraThread = Thread {
            alternation.take(1)
            doraDone.signal()
        }
        doraThread.stackSize = 8 << 20
        doraThread.start()
        alternation.take(0)
        doraDone.wait()
        if let error = alternation.errors.first { throw error }
        let warmup = training.warmup
        return Result(loraSeconds: Array(alternation.seconds[0].dropFirst(warmup)), doraSeconds: Array(alternation.seconds[1].dropFirst(warmup)))
    }

    /// Two trainers that take steps in turn, and the seconds of each step. Unchecked sendable: the
    /// semaphore hand-over lets one side run at a time, and orders every access to the state.
    private final class Alternation: @unchecked Sendable {
        let trainers: [Trainer]
        let turns = [DispatchSemaphore(value: 1), DispatchSemaphore(value: 0)]
        var seconds: [[Double]] = [[], []]
        var finished = [false, false]
        var errors: [Error] = []

        init(_ trainers: [Trainer]) {
            self.trainers = trainers
        }

        /// Runs side `side`'s trainer to its end, handing over to the other side after every step
        /// (while the other has steps left) and timing its own steps only.
        func take(_ side: Int) {
            let other = 1 - side
            turns[side].wait()
            defer {
                finished[side] = true
                turns[other].signal()
            }
            var start = DispatchTime.now().uptimeNanoseconds
            do {
                try trainers[side].run(afterStep: { _ in
                    seconds[side].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                    if !finished[other] {
                        turns[other].signal()
                        turns[side].wait()
                    }
                    start = DispatchTime.now().uptimeNanoseconds
                }) { _ in }
            } catch {
                errors.append(error)
            }
        }
    }

    public static func format(_ r: Result, _ b: DoraOverheadBenchmark) -> String {
        let m = b.training.model, ratios = r.ratios
        guard !ratios.isEmpty else { return "no step pairs were timed (the runs ended within their \(b.training.warmup) warm-up steps)" }
        func percent(_ fraction: Double) -> String { String(format: "%.1f%%", 100 * fraction) }
        func ms(_ seconds: [Double]) -> String { String(format: "%.0f ms", 1000 * Result.median(seconds)) }
        return """
        \(m.architecture.rawValue): \(m.layers) layers, width \(m.width), seq \(m.sequence), batch \(b.training.batch), lora r=\(m.rank) on \(m.targets.joined(separator: ",")), with and without DoRA, in turn
        DoRA overhead \(percent(r.overhead)) (median of \(ratios.count) step pairs; quartiles \(percent(ratios[ratios.count / 4] - 1)) to \(percent(ratios[3 * ratios.count / 4] - 1))); LoRA step \(ms(r.loraSeconds)), DoRA step \(ms(r.doraSeconds))
        """
    }
}
