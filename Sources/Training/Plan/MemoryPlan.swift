import Foundation
import Models
import Tensors
import Tuners

/// `lorakit plan`: what a recipe's run will need, from `config.json` alone (the model is built in
/// meta mode, no weights read): the expected peak memory by part, for each base dtype with and
/// without gradient checkpointing, and the step time from a GEMM rate.
///
/// The parts, in bytes: the base weights (exactly, from their shapes and storage); the adapter with
/// its gradient and optimizer state (float32); the activations the backward pass keeps (each
/// decoder block's intermediate tensors and attention probabilities, or with checkpointing only the
/// block inputs plus one block being recomputed; embeddings, logits and the loss's copies); scratch
/// (the dequantisation buffer, as large as the largest packed weight, and the largest gradients in
/// flight); and this process before loading. The step time counts the GEMM work (the frozen
/// weights' forward and input-gradient products, attention, LoRA's, and checkpointing's
/// recomputation) at the given rate; dequantisation and element-wise work come on top. A stack
/// expanded by `layer_replication` counts every copy's activations, adapter and GEMM work, and its
/// shared base weights once.
public struct MemoryPlan {
    /// One storage and checkpointing choice.
    public struct Estimate: Sendable, Equatable {
        public var dtype: BaseStorage.DType
        public var checkpointing: Bool
        public var baseBytes = 0, adapterBytes = 0, activationBytes = 0, scratchBytes = 0, processBytes = 0
        /// Multiply-adds ×2 of one optimizer step's GEMMs.
        public var flops = 0.0

        /// The expected peak resident memory.
        public var totalBytes: Int { baseBytes + adapterBytes + activationBytes + scratchBytes + processBytes }
    }

    /// The model's dimensions that the activations depend on.
    struct Dimensions {
        var layers, width, intermediate, heads, keyValueHeads, headDim, vocabulary: Int
    }

    public let recipe: Recipe
    /// `LlamaForCausalLM (llama): 22 layers, width 2048, ...`.
    public let modelSummary: String
    public let trainableParameters: Int
    public let totalParameters: Int
    private let model: any PretrainedModel
    private let dimensions: Dimensions
    /// Per token, the floats one block's adapters keep (their A outputs, dropout masks and copies).
    private let adapterActivationsPerToken: Int
    /// Frozen linear weights the GEMMs multiply by: every block's, then the head's.
    private let blockLinearWeights: Int, headWeights: Int
    /// This process's resident memory before the plan built anything.
    private let processBytes: Int

    /// The plan for `recipe`'s model and adapter.
    public init(recipe: Recipe) throws {
        self.recipe = recipe
        processBytes = MachineMemory.residentBytes() ?? 0
        let reference = try ModelReference(recipe.model)
        let config = try ConfigReader(contentsOf: reference.directory.appendingPathComponent("config.json"))
        model = try ModelLoader.build(config: config, factory: ParameterFactory(.meta))
        let checkpointDimensions: Dimensions
        switch model {
        case let decoder as DecoderModel:
            let c = decoder.config
            checkpointDimensions = Dimensions(layers: c.layers, width: c.width, intermediate: c.intermediate, heads: c.heads,
                                              keyValueHeads: c.keyValueHeads, headDim: c.headDim, vocabulary: c.vocabularySize)
        case let gpt2 as GPT2Model:
            let c = gpt2.config
            checkpointDimensions = Dimensions(layers: c.layers, width: c.width, intermediate: c.inner, heads: c.heads,
                                              keyValueHeads: c.heads, headDim: c.width / max(c.heads, 1), vocabulary: c.vocabularySize)
        default:
            throw RecipeError("plan estimates decoder language models (GPT-2 and the LLaMA-like families); \(model.architecture) is not one")
        }
        let peftConfig: any PeftConfig
        switch recipe.adapter {
        case nil:
            throw RecipeError("plan estimates adapter runs (packed bases train adapters only); give the recipe an adapter")
        case let .inline(json)?:
            peftConfig = try PeftConfigs.read(jsonData: json, source: "the recipe's adapter", totalStepIfMissing: recipe.maxSteps)
        case let .directory(path)?:
            let folder = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
            peftConfig = try PeftConfigs.read(contentsOf: folder.appendingPathComponent(AdapterFiles.configFileName))
        }
        let peft = try PeftModel(model: model, config: peftConfig, seed: UInt64(recipe.seed))
        // `layer_replication` expanded the stack: every copy keeps its own activations, adapter and
        // GEMM work, while the copies' base weights are shared (counted once below).
        var expanded = checkpointDimensions
        if let stack = (model as? any LayerReplicating)?.layerStack { expanded.layers = stack.sources.count }
        dimensions = expanded
        let counts = peft.trainableParameterCounts
        (trainableParameters, totalParameters) = (counts.trainable, counts.total)
        let dropout = (peftConfig as? LoraConfig).map { $0.loraDropout > 0 } ?? false
        var perToken = 0
        for (_, layer) in peft.adapterLayers {
            for (name, parameter) in layer.adapterParameters(of: peft.activeAdapters.first ?? "default") where name.hasPrefix("lora_A.") && parameter.shape.count == 2 {
                perToken += 2 * parameter.shape[0] + (dropout ? 2 * parameter.shape[1] : 0)
            }
        }
        adapterActivationsPerToken = perToken / max(dimensions.layers, 1)
        let outputs = Set(model.outputLayerNames)
        var block = 0, head = 0
        for (name, module) in model.namedModules() {
            let weight = (module as? Linear)?.weight ?? (module as? Conv1D)?.weight
            guard let weight else { continue }
            if outputs.contains(name) { head += weight.count } else { block += weight.count }
        }
        (blockLinearWeights, headWeights) = (block, head)
        let d = dimensions
        let replicated = d.layers == checkpointDimensions.layers ? "" : " (layer_replication of the checkpoint's \(checkpointDimensions.layers))"
        modelSummary = "\(model.architecture) (\(model.modelType)): \(d.layers) layers\(replicated), width \(d.width), intermediate \(d.intermediate), "
            + "\(d.heads) heads (\(d.keyValueHeads) key/value), vocabulary \(d.vocabulary); \(ModuleTree.grouped(counts.total)) parameters, "
            + "\(ModuleTree.grouped(counts.trainable)) trainable"
    }

    /// The estimate for one storage and checkpointing choice.
    public func estimate(_ dtype: BaseStorage.DType, checkpointing: Bool) -> Estimate {
        let storage = BaseStorage(dtype: dtype, doubleQuantization: dtype == recipe.baseStorage.dtype && recipe.baseStorage.doubleQuantization)
        let formats = storage.formats(for: model)
        var estimate = Estimate(dtype: dtype, checkpointing: checkpointing)
        var largestPacked = 0
        // The adapter's own parameters (trainable) are counted with the optimizer state.
        for (_, parameter) in model.namedParameters() where !parameter.requiresGrad {
            if let format = formats[ObjectIdentifier(parameter)] {
                estimate.baseBytes += FrozenWeight.byteCount(format: format, count: parameter.count, doubleQuantization: storage.doubleQuantization)
                largestPacked = max(largestPacked, parameter.count)
            } else {
                estimate.baseBytes += 4 * parameter.count
            }
        }
        let optimizerFloats = recipe.optimizer == .sgd ? (recipe.momentum > 0 ? 1 : 0) : 2
        estimate.adapterBytes = 4 * (2 + optimizerFloats) * trainableParameters
        let d = dimensions, tokens = recipe.batchSize * recipe.seqLen
        let (q, kv) = (d.heads * d.headDim, d.keyValueHeads * d.headDim)
        // One block's kept tensors per token: its input, norms, projections, their permuted and
        // rotated copies, the attention output and its permuted copy, the residual sums, the MLP.
        let blockPerToken = 6 * d.width + 5 * q + 5 * kv + 3 * d.intermediate + adapterActivationsPerToken
        let probabilities = recipe.batchSize * d.heads * recipe.seqLen * recipe.seqLen
        let outside = tokens * (2 * d.width + 3 * d.vocabulary)
        let floats = checkpointing
            ? tokens * d.layers * d.width + tokens * blockPerToken + probabilities + outside
            : d.layers * (tokens * blockPerToken + probabilities) + outside
        estimate.activationBytes = 4 * floats
        estimate.scratchBytes = 4 * (largestPacked + 2 * tokens * max(d.vocabulary, d.intermediate))
        estimate.processBytes = processBytes
        let linear = 2.0 * Double(tokens) * Double(blockLinearWeights + headWeights)
        let attention = 2.0 * Double(d.layers * recipe.batchSize * d.heads * d.headDim) * Double(recipe.seqLen * recipe.seqLen)
        let adapter = 2.0 * Double(tokens) * Double(trainableParameters)
        let forward = linear + attention + adapter
        let recompute = checkpointing ? forward - 2.0 * Double(tokens) * Double(headWeights) : 0
        estimate.flops = Double(recipe.gradAccum) * (forward + linear + 2 * attention + 2 * adapter + recompute)
        return estimate
    }

    /// The recipe's own choice.
    public var recipeEstimate: Estimate { estimate(recipe.baseStorage.dtype, checkpointing: recipe.gradientCheckpointing) }

    /// GFLOP/s of the engine's GEMM at a transformer-like size, best of three.
    public static func measureGemmRate() -> Double {
        let (m, n, k) = (512, 2048, 2048)
        var generator = RandomGenerator(seed: 0)
        let a = Tensor.normal([m, k], generator: &generator), b = Tensor.normal([k, n], generator: &generator), c = Tensor.zeros([m, n])
        var best = Double.infinity
        for _ in 0 ..< 3 {
            let start = DispatchTime.now().uptimeNanoseconds
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                Kernels.gemm(m: m, n: n, k: k, a: pa.baseAddress!, b: pb.baseAddress!, c: pc.baseAddress!)
            } } }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(m * n * k) / best / 1e9
    }

    /// The plan as a table: every dtype with and without checkpointing, the recipe's own marked.
    public func formatted(gemmGFlops: Double?, machine: MachineMemory?) -> String {
        var lines = [modelSummary,
                     "batch \(recipe.batchSize) × seq \(recipe.seqLen)\(recipe.gradAccum > 1 ? " × grad_accum \(recipe.gradAccum)" : ""), optimizer \(recipe.optimizer.rawValue)"]
        if let machine {
            lines.append("this machine: \(Self.gib(machine.total)) memory, \(Self.gib(machine.available)) available now")
        }
        if let gemmGFlops { lines.append(String(format: "GEMM rate measured now: %.1f GFLOP/s (step times count GEMM work only)", gemmGFlops)) }
        lines.append("")
        let header = ["base dtype", "checkpointing", "base weights", "adapter+optimizer", "activations", "scratch", "process", "peak", "fits", "step"]
        var rows: [[String]] = []
        let own = recipeEstimate
        for dtype in [BaseStorage.DType.float32, .bfloat16, .nf4] {
            for checkpointing in [false, true] {
                let e = estimate(dtype, checkpointing: checkpointing)
                let fits = machine.map { e.totalBytes <= $0.available ? "yes" : e.totalBytes <= $0.total ? "not now" : "no" } ?? "?"
                let step = gemmGFlops.map { Self.duration(e.flops / ($0 * 1e9)) } ?? "?"
                let mark = (e.dtype, e.checkpointing) == (own.dtype, own.checkpointing) ? " ←" : ""
                rows.append([dtype.rawValue + mark, checkpointing ? "on" : "off", Self.gib(e.baseBytes), Self.gib(e.adapterBytes),
                             Self.gib(e.activationBytes), Self.gib(e.scratchBytes), Self.gib(e.processBytes), Self.gib(e.totalBytes), fits, step])
            }
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
        for row in [header] + rows {
            lines.append(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        return lines.joined(separator: "\n")
    }

    /// A warning when the recipe's own choice is not expected to fit in the memory available now.
    public func warning(machine: MachineMemory) -> String? {
        let own = recipeEstimate
        guard own.totalBytes > machine.available else { return nil }
        return "warning: this run is expected to need about \(Self.gib(own.totalBytes)) at its peak, more than the \(Self.gib(machine.available)) "
            + "available now (\(Self.gib(machine.total)) in all); `lorakit plan` shows where it goes, and base_dtype: nf4 with "
            + "gradient_checkpointing: true need least"
    }

    static func gib(_ bytes: Int) -> String {
        let value = Double(bytes) / Double(1 << 30)
        return value >= 10 ? String(format: "%.1f GiB", value) : value >= 0.1 ? String(format: "%.2f GiB", value) : String(format: "%.0f MiB", Double(bytes) / Double(1 << 20))
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 1 ? String(format: "%.0f ms", seconds * 1000) : seconds < 120 ? String(format: "%.1f s", seconds) : String(format: "%.1f min", seconds / 60)
    }
}
