import Foundation
import JSON
import Testing
import Training

/// `PartialRecipe`: the one reader of `key=value` (`--set`, the workbench's settings), and recipe
/// files written from it that read back to the same values and the same recipe.
@Suite struct PartialRecipeTests {
    /// A value for every recipe key, as one writes it after `KEY=`.
    static let sample: [String: String] = [
        "model": "builtin:tiny-llama", "from_scratch": "true", "tokenizer": "/tmp/tok.json", "chat_template": "\"a template: #1.jinja\"",
        "assistant_only_loss": "false", "adapter": "{\"r\": 4, \"target_modules\": [\"q_proj\", \"v_proj\"]}", "loraplus_lr_ratio": "16",
        "loraplus_lr_embedding": "1e-6", "loraplus_weight_decay": "0.01", "update_and_allocate": "false", "data": "builtin:fortunes",
        "eval_data": "no", "eval_split": "0.1", "output_dir": "/tmp/out dir", "max_steps": "10", "epochs": "1.5", "batch_size": "2",
        "grad_accum": "2", "seq_len": "32", "lr": "1e-4", "schedule": "cosine", "warmup": "0.1", "weight_decay": "0.01",
        "betas": "[0.9, 0.95]", "eps": "1e-8", "max_grad_norm": "0.5", "seed": "7", "shuffle": "false", "optimizer": "sgd",
        "momentum": "0.9", "eval_every": "5", "save_every": "5", "save_total_limit": "2", "overwrite_output_dir": "true",
        "logging": "2", "base_dtype": "nf4", "double_quant": "true", "gradient_checkpointing": "true",
    ]

    @Test func everyKeyRoundTripsThroughItsTextAndARecipeFile() throws {
        #expect(Set(Self.sample.keys) == Set(Recipe.keys), "the sample names every recipe key")
        var partial = PartialRecipe()
        for (key, text) in Self.sample { try partial.apply(key: key, value: text) }
        #expect(partial["lr"] == .number("1e-4") && partial["betas"] == .array([.number("0.9"), .number("0.95")]))
        #expect(partial["eval_data"] == .bool(false), "YAML 1.1 reads an unquoted no as false")
        for key in Recipe.keys {
            let text = try #require(partial.text(of: key))
            var again = PartialRecipe()
            try again.apply(key: key, value: text)
            #expect(again[key] == partial[key], "\(key): \(text)")
        }
        let file = partial.yaml(order: ["model", "data"])
        #expect(file.hasPrefix("model: builtin:tiny-llama\ndata: builtin:fortunes\n"), "\(file)")
        #expect(file.contains("chat_template: \"a template: #1.jinja\"\n") && file.contains("eval_data: false\n"), "\(file)")
        let read = try PartialRecipe(yaml: file, source: "file.yaml")
        #expect(read == partial)
        partial["eval_data"] = .string("no")
        #expect(try PartialRecipe(yaml: partial.yaml(), source: "file.yaml")["eval_data"] == .string("no"), "text YAML would read otherwise is quoted")
        #expect(try Recipe(PartialRecipe(yaml: partial.yaml(), source: "file.yaml"), source: "file.yaml") == Recipe(partial, source: "set"))
    }

    @Test func yamlScalarsAreReadAsTheRecipeFieldsSay() throws {
        let head = "data: d\noutput_dir: o\nmax_steps: 3\n"
        let plain = try PartialRecipe(yaml: head + "lr: 1e-4", source: "r.yaml")
        #expect(plain["lr"]?.stringValue == nil && plain["lr"]?.doubleValue == 1e-4, "Yams reads 1e-4 (no dot) as a float")
        #expect(try PartialRecipe(yaml: head + "lr: \"1e-4\"", source: "r.yaml")["lr"] == .number("1e-4"))
        let quoted = try PartialRecipe(yaml: head + "lr: \".5\"", source: "r.yaml")
        #expect(quoted["lr"] == .string(".5"))
        #expect(try Recipe(PartialRecipe(yaml: head + "model: 1\ntokenizer: on\nlr: \".5\"", source: "r.yaml"), source: "r.yaml").lr == 0.5)
        let names = try Recipe(yaml: head + "model: 1\ntokenizer: on", source: "r.yaml")
        #expect(names.model == "1" && names.tokenizer == "true")
    }

    @Test func setReadsValuesAsTheWorkbenchDoesAndAnEmptyValueGivesTheDefaultBack() throws {
        let yaml = "model: m\ndata: d\noutput_dir: o\nmax_steps: 3\nsave_total_limit: 3"
        let recipe = try Recipe(yaml: yaml, source: "r.yaml", overrides: ["save_total_limit=", "lr=1e-3", "betas=[0.8,0.9]"])
        #expect(recipe.saveTotalLimit == nil && recipe.lr == 1e-3 && recipe.betas == [0.8, 0.9])
        #expect(throws: RecipeError("--set bach_size=3: unknown key \"bach_size\"; did you mean batch_size?")) {
            try Recipe(yaml: yaml, source: "r.yaml", overrides: ["bach_size=3"])
        }
        #expect(throws: RecipeError("--set =3: write it as key=value, for example --set lr=1e-4")) { try Recipe(yaml: yaml, source: "r.yaml", overrides: ["=3"]) }
        let kinds = LearningRateSchedule.Kind.allCases.map(\.rawValue).joined(separator: ", ")
        #expect(throws: RecipeError("r.yaml: schedule must be one of \(kinds), got cosin")) {
            try Recipe(yaml: yaml, source: "r.yaml", overrides: ["schedule=cosin"])
        }
    }

    @Test func mutatedRecipeTextIsRefusedOrReadNeverACrash() throws {
        let valid = PartialRecipe(["model": .string("m"), "data": .string("d"), "output_dir": .string("o"), "max_steps": .int(3),
                                   "betas": .array([.number("0.9"), .number("0.99")]), "adapter": .object([("r", .int(4))])]).yaml()
        var random = FuzzRandom(seed: 23)
        let alphabet = Array("ab:=-[]{},\"'#&*!|>%@`\n 019.e")
        for round in 0 ..< 300 {
            var text = Array(valid)
            for _ in 0 ..< Int.random(in: 1 ... 6, using: &random) {
                let at = Int.random(in: 0 ..< text.count, using: &random)
                if round % 2 == 0 { text[at] = alphabet.randomElement(using: &random)! } else { text.insert(alphabet.randomElement(using: &random)!, at: at) }
            }
            do { _ = try Recipe(yaml: String(text), source: "fuzz.yaml") } catch is RecipeError {}
            var partial = PartialRecipe()
            let setting = String((0 ..< Int.random(in: 0 ... 12, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            do { try partial.apply(setting) } catch is RecipeError {}
        }
    }
}
