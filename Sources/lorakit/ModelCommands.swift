import ArgumentParser
import Foundation
import Models
import Tensors
import Tokenizers
import Tuners

/// `lorakit info MODEL`: the module tree, kinds, shapes and parameter counts.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a model's module tree with shapes and parameter counts.")

    @Argument(help: "A directory with config.json, or builtin:NAME.")
    var model: String

    @Flag(help: "Read config.json only (no weights): fast, for models larger than memory.")
    var meta = false

    @Option(help: "Show modules down to this depth.")
    var depth: Int?

    func run() throws {
        let (loaded, report) = try ModelReference(model).load(meta: meta)
        print(ModuleTree(loaded, rootName: "", maxDepth: depth).rendered())
        let counts = loaded.parameterCounts()
        print("\(loaded.architecture) (\(loaded.modelType)): \(ModuleTree.grouped(counts.total)) parameters" + (meta ? " (meta: no weights loaded)" : ""))
        if !report.unexpected.isEmpty { print("note: the checkpoint has tensors the model does not use: \(report.unexpected.joined(separator: ", "))") }
    }
}

/// `lorakit forward`: runs a model on pre-tokenised inputs and writes the outputs, the contract the
/// PEFT-parity checks use.
struct Forward: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model on input_ids (and attention_mask, token_type_ids) from a safetensors file; write logits or last_hidden_state.")

    @Option(help: "A directory with config.json, or builtin:NAME.")
    var model: String

    @Option(help: "A safetensors file with int64 input_ids [batch, length], optional attention_mask and token_type_ids.")
    var inputs: String

    @Option(help: "Where to write the float32 outputs (safetensors).")
    var out: String

    @Option(help: "A PEFT adapter folder to apply, DIR or NAME=DIR; repeat for several (the first is active).")
    var adapter: [String] = []

    @Option(help: "The adapters to make active, NAME[,NAME] (their updates add up).")
    var active: String?

    @Flag(help: "Run with the adapters disabled (the base model's output).")
    var disableAdapters = false

    @Flag(help: "Merge the active adapters into the weights before running.")
    var merged = false

    @OptionGroup var arrow: ArrowOptions

    @Flag(help: "Also write hidden_states.0 (the embeddings) to hidden_states.L (the last block, after the final norm), as transformers' output_hidden_states.")
    var hiddenStates = false

    func run() throws {
        let (loaded, _) = try ModelReference(model).load()
        guard arrow.experts.isEmpty || (active == nil && !merged) else { throw ValidationError("an Arrow router cannot be merged or switched: leave out --merged and --active with --arrow") }
        let peft = try arrow.routedModel(loaded, adapters: adapter)
            ?? (adapter.isEmpty ? nil : PeftModel.loading(loaded, adapters: adapter.map(AdapterReference.init)))
        if peft == nil, active != nil || disableAdapters || merged {
            throw ValidationError("--active, --disable-adapters and --merged need at least one --adapter")
        }
        if let peft {
            for warning in peft.warnings { print("note: \(warning)") }
            if let active { try peft.setAdapters(active.split(separator: ",").map(String.init)) }
            if merged { try peft.mergeAdapter() }
            if disableAdapters { peft.disableAdapters() }
        }
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: inputs))
        guard let idsInfo = file.info(named: "input_ids"), idsInfo.shape.count == 2 else {
            throw ValidationError("\(inputs) needs an input_ids tensor of shape [batch, length]")
        }
        func optional(_ name: String) throws -> [Int]? { file.info(named: name) == nil ? nil : try file.integers(named: name) }
        let input = try ModelInput(ids: file.integers(named: "input_ids"), batch: idsInfo.shape[0], length: idsInfo.shape[1],
                                   attentionMask: optional("attention_mask"), tokenTypeIds: optional("token_type_ids"))
        let output = try GradMode.withoutGradients {
            try hiddenStates ? loaded.forward(input, cache: nil, collectHiddenStates: true) : peft?.forward(input) ?? loaded.forward(input)
        }
        var tensors = ["last_hidden_state": output.lastHiddenState]
        if let logits = output.logits { tensors = ["logits": logits] }
        for (i, state) in output.hiddenStates.enumerated() { tensors["hidden_states.\(i)"] = state }
        try SafeTensorsWriter.write(tensors, to: URL(fileURLWithPath: out))
        let main = output.logits ?? output.lastHiddenState
        print("wrote \(output.logits == nil ? "last_hidden_state" : "logits") \(main.shape)\(hiddenStates ? " and \(output.hiddenStates.count) hidden states" : "") to \(out)")
    }
}

/// `lorakit generate`: continues a prompt with a causal LM, or with `--chat` answers as the
/// assistant through the model's chat template, one turn or a conversation read from stdin.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue a prompt with a causal language model (greedy, or sampled with a seed); with --chat, reply through its chat template.",
        discussion: """
            With --chat the prompt is the user's message: the conversation is rendered with the chat template (the tokenizer \
            folder's chat_template.jinja or tokenizer_config.json's chat_template, or --chat-template FILE) and the generation \
            prompt, and the reply ends at the template's end-of-turn token. Without --prompt, each line of standard input is a \
            user message of one conversation, answered in turn until the input ends.
            """)

    @Option(help: "A directory with config.json (and tokenizer.json, unless --tokenizer names one), or builtin:NAME.")
    var model: String

    @Option(help: "The text to continue; with --chat, the user's message (leave it out to read messages from stdin).")
    var prompt: String?

    @Flag(help: "Reply as the assistant through the model's chat template.")
    var chat = false

    @Option(help: "With --chat: a system message to start the conversation with.")
    var system: String?

    @Option(help: "With --chat: a Jinja chat template file to use instead of the tokenizer folder's.")
    var chatTemplate: String?

    @Option(help: "How many tokens to add (per reply with --chat).")
    var maxNewTokens = 50

    @Option(help: "0 picks the most likely token; higher values sample more freely.")
    var temperature: Float = 0

    @Option(help: "Sample only among the K most likely tokens (0: all).")
    var topK = 0

    @Option(help: "Sample only among the most likely tokens whose probability adds up to P.")
    var topP: Float = 1

    @Option(help: "Seed of the sampler.")
    var seed: UInt64 = 0

    @Option(help: "A PEFT adapter folder to apply, DIR or NAME=DIR; repeat for several (the first is active).")
    var adapter: [String] = []

    @Option(help: "A tokenizer.json to use instead of the model folder's (its folder's chat template with --chat).")
    var tokenizer: String?

    @OptionGroup var arrow: ArrowOptions

    func validate() throws {
        if !chat {
            guard prompt != nil else { throw ValidationError("give --prompt TEXT to continue, or --chat to converse") }
            guard system == nil, chatTemplate == nil else { throw ValidationError("--system and --chat-template go with --chat") }
        }
    }

    func run() throws {
        let reference = try ModelReference(model)
        let source = TokenizerSource(named: tokenizer, modelDirectory: reference.directory, howToGiveOne: "pass --tokenizer FILE")
        let tokenizer = try source.load(for: "generating text")
        let template = try chat ? ChatTemplate(directory: source.directory, templateFile: chatTemplate.map { URL(fileURLWithPath: $0) }) : nil
        let (loaded, _) = try reference.load()
        if try arrow.routedModel(loaded, adapters: adapter) == nil, !adapter.isEmpty { _ = try PeftModel.loading(loaded, adapters: adapter.map(AdapterReference.init)) }
        let stops = try EndOfSequenceIds.read(modelDirectory: reference.directory).union([tokenizer.eosTokenId].compactMap { $0 })
        let options = SamplingOptions(maxNewTokens: maxNewTokens, temperature: temperature, topK: topK, topP: topP, seed: seed, stopTokens: stops)
        func show(_ piece: String) -> Bool {
            print(piece, terminator: "")
            fflush(stdout)
            return true
        }
        guard let template else {
            let promptIds = tokenizer.encode(prompt ?? "", addSpecialTokens: false).ids
            print(prompt ?? "", terminator: "")
            var decoder = IncrementalDecoder(tokenizer: tokenizer, prompt: promptIds)
            _ = try TextGenerator(model: loaded).generate(prompt: promptIds, options: options) { show(decoder.append($0)) }
            print(decoder.finish())
            return
        }
        var session = try ChatSession(model: loaded, tokenizer: tokenizer, template: template, system: system, options: options)
        if let prompt {
            try session.reply(to: prompt, onText: show)
            print()
            return
        }
        let interactive = isatty(STDIN_FILENO) != 0
        while true {
            if interactive { print("> ", terminator: ""); fflush(stdout) }
            guard let line = readLine() else { break }
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            do {
                try session.reply(to: line, onText: show)
                print()
            } catch where interactive {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
        }
    }
}
