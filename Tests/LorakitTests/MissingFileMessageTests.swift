import FileAccess
import FixtureSupport
import Foundation
import Testing

/// What a user reads when a file is missing or wrong: which file, what was wrong, what to do, and
/// never Foundation's "The operation could not be completed" wording.
@Suite struct MissingFileMessageTests {
    /// Text data on a model folder without tokenizer.json: the message says what needed a tokenizer
    /// and names the recipe key that gives one.
    @Test func textDataWithoutATokenizerNamesWhatNeedsOne() throws {
        let scratch = try ScratchFolder(), folder = scratch.url
        let base = try FixtureCase("train_lora_llama").directory.appendingPathComponent("base")
        let recipe = folder.appendingPathComponent("recipe.yaml")
        try "model: \(base.path)\ndata: builtin:fortunes\noutput_dir: \(folder.path)/out\nmax_steps: 1\nadapter: {peft_type: LORA, r: 2, target_modules: [q_proj]}\n"
            .write(to: recipe, atomically: true, encoding: .utf8)
        let result = try LorakitBinary.run(["train", recipe.path])
        #expect(result.status != 0)
        #expect(result.error.contains("training on builtin:fortunes needs a tokenizer"), "\(result.error)")
        #expect(result.error.contains("`tokenizer:`"), "\(result.error)")
        #expect(!result.error.contains("could not be completed"))
    }

    @Test func generateWithoutATokenizerNamesTheFlag() throws {
        let base = try FixtureCase("train_lora_llama").directory.appendingPathComponent("base")
        let result = try LorakitBinary.run(["generate", "--model", base.path, "--prompt", "hi"])
        #expect(result.status != 0)
        #expect(result.error.contains("generating text needs a tokenizer"), "\(result.error)")
        #expect(result.error.contains("--tokenizer"), "\(result.error)")
    }

    /// Each kind of unreadable file gets its own reason.
    @Test func fileProblemsSayWhatIsWrong() throws {
        let scratch = try ScratchFolder(), folder = scratch.url
        let missing = folder.appendingPathComponent("nope.yaml")
        #expect(throws: FileAccessError(role: "the recipe", path: missing.path, problem: .missing)) {
            try FileAccess.text(missing, role: "the recipe")
        }
        #expect(throws: FileAccessError(role: "the recipe", path: folder.path, problem: .isFolder)) {
            try FileAccess.text(folder, role: "the recipe")
        }
        let binary = folder.appendingPathComponent("latin1.txt")
        try Data([0x63, 0x61, 0x66, 0xE9]).write(to: binary)
        #expect(throws: FileAccessError(role: "the dataset", path: binary.path, problem: .notUTF8)) {
            try FileAccess.text(binary, role: "the dataset")
        }
        #expect(FileProblem.writing(folder.appendingPathComponent("no/such/file"), error: nil) == .folderMissing)
        #expect(FileProblem.writing(folder, error: nil) == .isFolder)
    }

    @Test func aMissingRecipeSaysSoThroughTheBinary() throws {
        let result = try LorakitBinary.run(["train", "/nonexistent/recipe.yaml"])
        #expect(result.status != 0)
        #expect(result.error.contains("cannot read the recipe /nonexistent/recipe.yaml: it does not exist"), "\(result.error)")
        #expect(!result.error.contains("could not be completed"))
    }
}
