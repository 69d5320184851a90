import CBLAS
import Foundation
import Models
import Tensors
import Training
import Tuners

/// `lorakit bench train`: adapter training speed of the real trainer on a random-init GPT-2- or
/// LLaMA-shaped model (float32, LoRA, LoHa or LoKr r=16, alpha 32, dropout 0, AdamW), in tokens per second and as
/// a share of the machine's measured GEMM peak, with resident memory over the run.
public struct TrainBenchmark {
    public var model: BenchmarkModel
    public var batch: Int
    /// Timed steps, after `warmup` untimed ones.
    public var steps: Int
    public var warmup = 2
    /// Whether to time every operation (`OpProfile`) during the timed steps.
    public var profile = false
    /// Whether decoder blocks are recomputed in the backward pass (`gradient_checkpointing`).
    public var gradientCheckpointing = false

    public init(model: BenchmarkModel, batch: Int, steps: Int) {
        self.model = model
        self.batch = batch
        self.steps = steps
    }

    /// What one run measured.
    public struct Result: Sendable {
        public var tokensPerSecond: Double
        /// GEMM floating-point operations per second during the timed steps.
        public var gemmGFlops: Double
        /// `cblas_sgemm` at 2048² on this machine, measured in the same run.
        public var peakGFlops: Double
        public var trainableParameters: Int
        public var totalParameters: Int
        /// Peak resident memory, MiB.
        public var peakResidentMiB: Double
        /// Resident memory after each tenth of the timed steps, MiB (flat after warm-up means no leak).
        public var residentTrendMiB: [Double]
        /// Time per operation over the timed steps, when profiling.
        public var profile: OpProfile?

        /// The GEMM floating-point operations a step does per token (attention's included).
        public var gemmFlopsPerToken: Double { gemmGFlops * 1e9 / tokensPerSecond }
        /// The roofline: the tokens/s of a step whose GEMMs all ran at the measured peak and
        /// everything else took no time, the best this step's work allows in float32.
        public var rooflineTokensPerSecond: Double { peakGFlops * 1e9 / gemmFlopsPerToken }
    }

    public func run() throws -> Result {
        let (trainer, peft) = try makeTrainer(model)
        let tally = GemmTally()
        let opProfile = profile ? OpProfile() : nil
        let clock = StepClock(warmup: warmup, steps: steps, tally: tally, profile: opProfile)
        trainer.stepHook = clock
        try GemmTally.$current.withValue(tally) {
            try OpProfile.$current.withValue(opProfile) { try trainer.run { _ in } }
        }
        let seconds = clock.timedSeconds
        let counts = peft.trainableParameterCounts
        return Result(tokensPerSecond: Double(steps * batch * model.sequence) / seconds,
                      gemmGFlops: Double(clock.timedFlops) / seconds / 1e9,
                      peakGFlops: Self.blasPeak(), trainableParameters: counts.trainable, totalParameters: counts.total,
                      peakResidentMiB: ProcessMemory.residentMiB()?.peak ?? 0, residentTrendMiB: clock.residentTrend,
                      profile: opProfile)
    }

    /// The real trainer on `model` with its adapter, for `warmup + steps` steps of one random batch
    /// (AdamW, lr 1e-4, constant), and the adapted model.
    func makeTrainer(_ model: BenchmarkModel) throws -> (Trainer, PeftModel) {
        let base = try model.build()
        let peft = try PeftModel(model: base, config: model.adapterConfig())
        let recipe = try Recipe(yaml: """
            model: benchmark
            data: random
            output_dir: unused
            max_steps: \(warmup + steps)
            batch_size: \(batch)
            lr: 1e-4
            schedule: constant
            shuffle: false
            gradient_checkpointing: \(gradientCheckpointing)
            """, source: "benchmark recipe")
        let examples = TrainingExamples(tokenizedIds: model.randomIds(batch: batch), attentionMask: nil, labels: nil)
        let trainer = try Trainer(model: base, parameterGroups: [TrainableGroup(name: "all", parameters: try peft.trainableParameters.map { try $0.parameter.value() })],
                                  recipe: recipe, train: examples, evaluation: nil, padId: 0)
        return (trainer, peft)
    }

    /// `cblas_sgemm` GFLOP/s at 2048², best of eight (a neighbour on a shared machine can slow any single run).
    static func blasPeak() -> Double {
        let n = 2048
        var generator = RandomGenerator(seed: 0)
        let a = Tensor.normal([n, n], generator: &generator), b = Tensor.normal([n, n], generator: &generator), c = Tensor.zeros([n, n])
        let seconds = Kernels.withBlasThreads(Parallel.width) { Timing.best(of: 8) {
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, pa.baseAddress, Int32(n),
                            pb.baseAddress, Int32(n), 0, pc.baseAddress, Int32(n))
            } } }
        } }
        return 2 * Double(n * n * n) / seconds / 1e9
    }

    public static func format(_ r: Result, _ b: TrainBenchmark) -> String {
        let m = b.model
        return """
        \(m.architecture.rawValue): \(m.layers) layers, width \(m.width), seq \(m.sequence), batch \(b.batch), vocab \(m.vocabulary), \(m.method.name)\(m.useDora ? " (DoRA)" : "") r=\(m.rank) on \(m.targets.joined(separator: ","))
        base weights \(m.storage), gradient checkpointing \(b.gradientCheckpointing ? "on" : "off")
        trainable \(r.trainableParameters) of \(r.totalParameters) parameters
        \(String(format: "%.0f", r.tokensPerSecond)) tokens/s over \(b.steps) steps (after \(b.warmup) warm-up)
        GEMM \(String(format: "%.1f", r.gemmGFlops)) GFLOP/s = \(String(format: "%.0f", 100 * r.gemmGFlops / r.peakGFlops))% of the cblas_sgemm peak measured in this run on the same kernel (\(String(format: "%.1f", r.peakGFlops)) GFLOP/s, \(OpenBLASKernel.coreName))
        roofline: \(String(format: "%.1f", r.gemmFlopsPerToken / 1e6)) MFLOP of GEMMs per token; at that peak, at most \(String(format: "%.0f", r.rooflineTokensPerSecond)) tokens/s in float32
        peak resident memory \(String(format: "%.0f", r.peakResidentMiB)) MiB; resident over the run: \(r.residentTrendMiB.map { String(format: "%.0f", $0) }.joined(separator: " "))
        """ + formatKroneckerDecisions() + (r.profile.map { "\n\n" + formatProfile($0, steps: b.steps) } ?? "")
    }

    /// The paths LoKr's layers took (`KroneckerPathChooser`), one line per shape, with the
    /// measured milliseconds of each path; empty for other methods.
    static func formatKroneckerDecisions() -> String {
        KroneckerPathChooser.shared.decisions.sorted { "\($0.key)" < "\($1.key)" }.map { shape, decision in
            let times = decision.seconds.map { seconds in
                " (measured: " + shape.paths.map { "\($0) \(String(format: "%.2f", 1000 * seconds[$0, default: .nan])) ms" }.joined(separator: ", ") + ")"
            } ?? " (too small to time: fewest multiply-adds)"
            let gradients = shape.recordsGradients ? shape.inputNeedsGradient ? "forward+backward" : "forward+backward, no input gradient" : "forward"
            return "\nLoKr \(shape.rows) rows, w1 [\(shape.p), \(shape.m)] ⊗ w2 [\(shape.q), \(shape.n)], \(gradients): took \(decision.path)" + times
        }.joined()
    }

    /// The profile as a table of milliseconds per step, the most expensive operation first.
    static func formatProfile(_ profile: OpProfile, steps: Int) -> String {
        let rows = profile.rows
        let total = rows.reduce(0) { $0 + $1.totalSeconds }
        var table = TextTable(header: ["operation", "calls/step", "forward ms", "backward ms", "share"])
        func ms(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1000 / Double(steps)) }
        table.rows = rows.map {
            [$0.name, "\($0.calls / steps)", ms($0.forwardSeconds), ms($0.backwardSeconds), String(format: "%.1f%%", 100 * $0.totalSeconds / total)]
        }
        table.rows.append(["total", "", ms(rows.reduce(0) { $0 + $1.forwardSeconds }), ms(rows.reduce(0) { $0 + $1.backwardSeconds }), "100%"])
        return table.rendered
    }
}

/// Times the trainer's steps from inside (a step hook), skipping the warm-up.
final class StepClock: TrainingStepHook {
    let warmup: Int, steps: Int
    let tally: GemmTally
    let profile: OpProfile?
    private var start: UInt64 = 0, end: UInt64 = 0
    private var startFlops = 0, endFlops = 0
    private(set) var residentTrend: [Double] = []

    init(warmup: Int, steps: Int, tally: GemmTally, profile: OpProfile?) {
        self.warmup = warmup
        self.steps = steps
        self.tally = tally
        self.profile = profile
        profile?.isRecording = false
    }

    func afterOptimizerStep(_ step: Int) throws {
        profile?.mark("clip, optimizer step")
        profile?.isRecording = step >= warmup && step < warmup + steps
        let now = DispatchTime.now().uptimeNanoseconds
        if step == warmup { (start, startFlops) = (now, tally.flops) }
        if step > warmup, (step - warmup) % max(1, steps / 10) == 0, let memory = ProcessMemory.residentMiB() { residentTrend.append(memory.current) }
        if step == warmup + steps { (end, endFlops) = (now, tally.flops) }
    }

    var timedSeconds: Double { Double(end - start) / 1e9 }
    var timedFlops: Int { endFlops - startFlops }
}
