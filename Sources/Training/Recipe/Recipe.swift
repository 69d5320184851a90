import FileAccess
import Foundation
import JSON
import Models
import Yams

/// A training run as a YAML file, with keys in the spirit of transformers' `TrainingArguments`:
/// what to train, on what data, for how long, and how. Every key can be overridden with
/// `--set key=value`; an unknown key is an error that names the closest known one.
public struct Recipe: Equatable {
    /// A model directory or `builtin:NAME`.
    public var model: String
    /// Start from the weights `config.json` describes, freshly initialised with `seed`, instead of
    /// loading them (pretraining).
    public var fromScratch = false
    /// A `tokenizer.json`; by default the model directory's.
    public var tokenizer: String?
    /// A Jinja chat template file for chat data; by default the tokenizer folder's
    /// (`chat_template.jinja`, or `tokenizer_config.json`'s `chat_template`).
    public var chatTemplate: String?
    /// Chat data trains on the assistant's tokens only (TRL's `assistant_only_loss`, on here by
    /// default); false trains on every token of the rendered conversation.
    public var assistantOnlyLoss = true
    /// What to train: nil trains every weight of the model; an adapter trains only the adapter.
    public var adapter: AdapterSource?
    /// LoRA+ (`peft.optimizers.create_loraplus_optimizer`): the B matrices and 1-D tensors learn at
    /// this multiple of `lr` (nil: no LoRA+, one group at `lr`).
    public var loraplusLrRatio: Double?
    /// LoRA+: the learning rate of LoRA-on-Embedding tensors (PEFT's default 1e-6).
    public var loraplusLrEmbedding = 1e-6
    /// LoRA+: the weight decay of every group but `groupB_no_decay`; `weight_decay` is then ignored,
    /// as PEFT ignores it (PEFT's default 0).
    public var loraplusWeightDecay = 0.0
    /// Whether AdaLoRA's rank allocator runs after each optimizer step, where PEFT users call
    /// `update_and_allocate`; false trains an AdaLoRA adapter with its ranks as they are.
    public var updateAndAllocate = true
    /// Training text: a `.txt`, `.jsonl` (text, prompt/completion, label or chat `messages`),
    /// `.csv` or `.safetensors` file, or `builtin:NAME`.
    public var data: String
    /// Evaluation text, in the same forms; or hold out `evalSplit` of the training blocks.
    public var evalData: String?
    public var evalSplit = 0.0
    public var outputDir: String
    /// Stop after this many optimizer steps, or after `epochs` passes over the data.
    public var maxSteps: Int?
    public var epochs: Double?
    public var batchSize = 8
    public var gradAccum = 1
    public var seqLen = 128
    public var lr = 5e-5
    public var schedule = LearningRateSchedule.Kind.linear
    /// Warmup steps; a value below 1 is a fraction of the total steps.
    public var warmup = 0.0
    public var weightDecay = 0.0
    public var betas = [0.9, 0.999]
    public var eps = 1e-8
    /// 0 turns clipping off.
    public var maxGradNorm = 1.0
    public var seed = 42
    public var shuffle = true
    public var optimizer = OptimizerKind.adamw
    public var momentum = 0.0
    /// Evaluate every this many steps (0: only at the end, if there is evaluation data).
    public var evalEvery = 0
    /// Save every this many steps (0: only at the end).
    public var saveEvery = 0
    /// Keep only the newest this many checkpoints, and always the best by eval loss (nil: all).
    public var saveTotalLimit: Int?
    /// Let a fresh run replace a run already in `output_dir` (its metrics and checkpoints).
    public var overwriteOutputDir = false
    /// Report every this many steps.
    public var logging = 1
    /// How the frozen base weights are kept in memory (`base_dtype`: float32, bfloat16, float16,
    /// nf4; `double_quant` quantises nf4's absmax too). Only an adapter run can pack its base.
    public var baseStorage = BaseStorage.float32
    /// Keep only each decoder block's input in the forward pass and recompute the block in the
    /// backward one (`gradient_checkpointing`): less memory, the same result, a slower step.
    public var gradientCheckpointing = false

    /// Every key a recipe may hold.
    public static let keys = [
        "model", "from_scratch", "tokenizer", "chat_template", "assistant_only_loss", "adapter", "loraplus_lr_ratio", "loraplus_lr_embedding", "loraplus_weight_decay",
        "update_and_allocate", "data", "eval_data", "eval_split", "output_dir", "max_steps", "epochs",
        "batch_size", "grad_accum", "seq_len", "lr", "schedule", "warmup", "weight_decay", "betas", "eps",
        "max_grad_norm", "seed", "shuffle", "optimizer", "momentum", "eval_every", "save_every", "save_total_limit",
        "overwrite_output_dir", "logging", "base_dtype", "double_quant", "gradient_checkpointing",
    ]

    /// Reads a recipe from YAML text, then applies `overrides` (`key=value`, the value in YAML).
    public init(yaml: String, source: String, overrides: [String] = []) throws {
        var partial = try PartialRecipe(yaml: yaml, source: source)
        for override in overrides { try partial.apply(override) }
        try self.init(partial, source: source)
    }

    /// Reads a recipe file.
    public init(contentsOf url: URL, overrides: [String] = []) throws {
        let text: String
        do { text = try FileAccess.text(url, role: "the recipe", advice: "give a YAML file of recipe keys (see recipes/)") } catch let error as FileAccessError {
            throw RecipeError(error.description)
        }
        try self.init(yaml: text, source: url.path, overrides: overrides)
    }

    /// The recipe `partial` gives, checked whole (required keys, kinds, ranges, keys that need
    /// each other); errors name `source`.
    public init(_ partial: PartialRecipe, source: String) throws {
        for key in partial.values.keys.sorted() {
            if let problem = PartialRecipe.unknownKeyProblem(key) { throw RecipeError("\(source): \(problem)") }
        }
        let read = JSONFieldReader(recipe: partial.values, source: source)
        model = try read.required("model", read.text)
        data = try read.required("data", read.text)
        outputDir = try read.required("output_dir", read.text)
        fromScratch = try read.bool("from_scratch") ?? fromScratch
        tokenizer = try read.text("tokenizer")
        chatTemplate = try read.text("chat_template")
        assistantOnlyLoss = try read.bool("assistant_only_loss") ?? assistantOnlyLoss
        switch read.value("adapter") {
        case nil: adapter = nil
        case let .string(path): adapter = .directory(path)
        case let inline? where inline.members != nil: adapter = .inline(Data(inline.pythonJSONText().utf8))
        default:
            throw RecipeError("\(source): adapter must be a PEFT config (keys as in adapter_config.json) or the path of a saved adapter")
        }
        loraplusLrRatio = try read.double("loraplus_lr_ratio", in: Double.leastNonzeroMagnitude ..< Double.infinity)
        loraplusLrEmbedding = try read.double("loraplus_lr_embedding", in: 0 ..< Double.infinity) ?? loraplusLrEmbedding
        loraplusWeightDecay = try read.double("loraplus_weight_decay", in: 0 ..< Double.infinity) ?? loraplusWeightDecay
        updateAndAllocate = try read.bool("update_and_allocate") ?? updateAndAllocate
        evalData = try read.text("eval_data")
        evalSplit = try read.double("eval_split", in: 0 ..< 1) ?? evalSplit
        maxSteps = try read.int("max_steps", atLeast: 1)
        epochs = try read.double("epochs", in: 0 ..< Double.infinity)
        guard maxSteps != nil || epochs != nil else { throw RecipeError("\(source): give max_steps or epochs") }
        batchSize = try read.int("batch_size", atLeast: 1) ?? batchSize
        gradAccum = try read.int("grad_accum", atLeast: 1) ?? gradAccum
        seqLen = try read.int("seq_len", atLeast: 2) ?? seqLen
        lr = try read.double("lr", in: 0 ..< Double.infinity) ?? lr
        if let name = try read.text("schedule") {
            guard let kind = LearningRateSchedule.Kind(rawValue: name) else {
                throw RecipeError("\(source): schedule must be one of \(LearningRateSchedule.Kind.allCases.map(\.rawValue).joined(separator: ", ")), got \(name)")
            }
            schedule = kind
        }
        warmup = try read.double("warmup", in: 0 ..< Double.infinity) ?? warmup
        weightDecay = try read.double("weight_decay", in: 0 ..< Double.infinity) ?? weightDecay
        if let list = try read.doubles("betas") {
            guard list.count == 2, list.allSatisfy({ (0 ..< 1).contains($0) }) else { throw RecipeError("\(source): betas must be two numbers in [0, 1)") }
            betas = list
        }
        eps = try read.double("eps", in: 0 ..< Double.infinity) ?? eps
        maxGradNorm = try read.double("max_grad_norm", in: 0 ..< Double.infinity) ?? maxGradNorm
        seed = try read.int("seed", atLeast: 0) ?? seed
        shuffle = try read.bool("shuffle") ?? shuffle
        if let name = try read.text("optimizer") {
            guard let kind = OptimizerKind(rawValue: name) else {
                throw RecipeError("\(source): optimizer must be one of \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")), got \(name)")
            }
            optimizer = kind
        }
        momentum = try read.double("momentum", in: 0 ..< 1) ?? momentum
        evalEvery = try read.int("eval_every", atLeast: 0) ?? evalEvery
        saveEvery = try read.int("save_every", atLeast: 0) ?? saveEvery
        saveTotalLimit = try read.int("save_total_limit", atLeast: 1)
        overwriteOutputDir = try read.bool("overwrite_output_dir") ?? overwriteOutputDir
        logging = try read.int("logging", atLeast: 1) ?? logging
        if let dtype = try read.text("base_dtype") {
            do { baseStorage = try BaseStorage(parsing: dtype) } catch { throw RecipeError("\(source): base_dtype: \(error)") }
        }
        baseStorage.doubleQuantization = try read.bool("double_quant") ?? false
        if baseStorage.doubleQuantization, baseStorage.dtype != .nf4 {
            throw RecipeError("\(source): double_quant quantises nf4's block absmax values; it needs base_dtype: nf4 (base_dtype is \(baseStorage.dtype.rawValue))")
        }
        if baseStorage.dtype != .float32, adapter == nil {
            throw RecipeError("\(source): base_dtype \(baseStorage.dtype.rawValue) stores the frozen base weights packed, but without an adapter every weight trains and must be float32; give an adapter or base_dtype: float32")
        }
        gradientCheckpointing = try read.bool("gradient_checkpointing") ?? gradientCheckpointing
    }
}

/// The adapter a recipe trains.
public enum AdapterSource: Equatable {
    /// A new adapter from a PEFT config given in the recipe (as JSON, keys as in `adapter_config.json`).
    case inline(Data)
    /// A saved adapter to continue training.
    case directory(String)
}
