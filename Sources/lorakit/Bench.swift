import ArgumentParser
import Benchmarks
import Models
import Tensors
import Tuners

/// `lorakit bench`: speed measurements of the engine (release build).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the engine's speed.",
        subcommands: [Gemm.self, Ops.self, TrainSpeed.self, Lora.self, Combine.self])

    /// The first line of every benchmark's output: the BLAS kernel and threads it measures, and the CPU.
    static func printKernel() {
        print("kernel: \(OpenBLASKernel.summary); CPU \(CPUFeatures.current?.summary ?? "not x86-64")")
    }

    /// `lorakit bench gemm`.
    struct Gemm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "GFLOP/s of the engine's matmul against a direct cblas_sgemm call.")

        @Option(name: .long, parsing: .upToNextOption, help: "Square matrix sizes.")
        var sizes: [Int] = [256, 512, 1024, 2048]

        func run() throws {
            Bench.printKernel()
            print(GemmBenchmark.format(try GemmBenchmark(sizes: sizes).run()))
        }
    }

    /// `lorakit bench ops`.
    struct Ops: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forward and forward+backward time of each fused op at transformer sizes.")

        func run() throws {
            Bench.printKernel()
            print(OpsBenchmark.format(try OpsBenchmark().run()))
        }
    }

    /// The model shape options `bench train` and `bench lora` share.
    struct ModelShape: ParsableArguments {
        @Option(help: "gpt2 or llama.")
        var arch: String = "gpt2"
        @Option(help: "Transformer blocks.")
        var layers = 12
        @Option(help: "Model width.")
        var width = 768
        @Option(help: "Attention heads (default width/64).")
        var heads: Int?
        @Option(help: "LLaMA MLP width (default 8/3 of the width, rounded to 64).")
        var intermediate: Int?
        @Option(help: "Vocabulary size.")
        var vocab = 8192
        @Option(help: "Sequence length.")
        var seq = 256
        @Option(help: "Batch size.")
        var batch = 4
        @Option(help: "LoRA rank (alpha is twice it).")
        var rank = 16
        @Option(help: "LLaMA key/value heads (default: as many as the heads).")
        var kvHeads: Int?
        @Flag(help: "The adapter on every linear layer but the head (all-linear).")
        var allLinear = false
        @Option(help: "How frozen base weights are stored: float32, bfloat16, float16 or nf4.")
        var baseDtype = "float32"
        @Flag(help: "With nf4, quantise the block absmax values too.")
        var doubleQuant = false

        func model() throws -> BenchmarkModel {
            guard let architecture = BenchmarkModel.Architecture(rawValue: arch) else {
                throw ValidationError("--arch must be gpt2 or llama, got \(arch)")
            }
            var model = BenchmarkModel(architecture: architecture, layers: layers, width: width, sequence: seq, heads: heads, intermediate: intermediate)
            model.vocabulary = vocab
            model.rank = rank
            model.alpha = 2 * rank
            model.keyValueHeads = kvHeads
            model.allLinear = allLinear
            do { model.storage = try BaseStorage(parsing: baseDtype, doubleQuantization: doubleQuant) } catch {
                throw ValidationError("--base-dtype: \(error)")
            }
            if doubleQuant, model.storage.dtype != .nf4 { throw ValidationError("--double-quant needs --base-dtype nf4") }
            return model
        }
    }

    /// `lorakit bench train`.
    struct TrainSpeed: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train", abstract: "LoRA training tokens/s on a random-init model, with the share of the GEMM peak and memory.")

        @OptionGroup var shape: ModelShape
        @Option(help: "The adapter's PEFT method: lora, loha, lokr, vblora or randlora.")
        var method = "lora"
        @Flag(help: "LoRA with DoRA (use_dora), to compare its cost with plain LoRA's.")
        var dora = false
        @Flag(help: "Time LoRA and DoRA steps in turn, in one process, and print DoRA's overhead over LoRA (the median over the step pairs).")
        var compareDora = false
        @Option(help: "Timed steps (after the warm-up steps).")
        var steps = 10
        @Flag(help: "Also print the time per operation, forward and backward.")
        var profile = false
        @Flag(help: "Recompute each decoder block in the backward pass instead of keeping its activations.")
        var gradientCheckpointing = false
        @Option(help: "Untimed warm-up steps.")
        var warmup = 2

        func run() throws {
            Bench.printKernel()
            var model = try shape.model()
            guard model.useMethod(named: method) else { throw ValidationError("--method must be one of \(BenchmarkModel.methods.map(\.name).joined(separator: ", ")), got \(method)") }
            if dora || compareDora, model.method != .lora { throw ValidationError("--dora and --compare-dora need --method lora, got \(method)") }
            if compareDora, dora || profile { throw ValidationError("--compare-dora times both sides itself: leave out --dora and --profile") }
            if compareDora, steps < 1 { throw ValidationError("--compare-dora needs at least one timed step, got --steps \(steps)") }
            model.useDora = dora
            var benchmark = TrainBenchmark(model: model, batch: shape.batch, steps: steps)
            benchmark.profile = profile
            benchmark.gradientCheckpointing = gradientCheckpointing
            benchmark.warmup = warmup
            if compareDora {
                let comparison = DoraOverheadBenchmark(training: benchmark)
                print(DoraOverheadBenchmark.format(try comparison.run(), comparison))
            } else {
                print(TrainBenchmark.format(try benchmark.run(), benchmark))
            }
        }
    }

    /// `lorakit bench lora`.
    struct Lora: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forward time with no adapter, LoRA unmerged and LoRA merged, and the merge time.")

        @OptionGroup var shape: ModelShape

        func run() throws {
            Bench.printKernel()
            let benchmark = LoraBenchmark(model: try shape.model(), batch: shape.batch)
            print(LoraBenchmark.format(try benchmark.run(), benchmark))
        }
    }

    /// `lorakit bench combine`.
    struct Combine: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time of add_weighted_adapter over two random LoRA adapters (compare with scripts/bench-combine-peft.py).")

        @OptionGroup var shape: ModelShape
        @Option(help: "The combination type (svd, linear, cat, ties, ...).")
        var type = CombinationType.svd.rawValue
        @Option(help: "Timed calls (after one untimed warm-up).")
        var repeats = 3

        func run() throws {
            let benchmark = CombineBenchmark(model: try shape.model(), combinationType: try CombinationType(named: type), repeats: repeats)
            Bench.printKernel()
            print(CombineBenchmark.format(try benchmark.run(), benchmark))
        }
    }
}
