import Foundation
import Testing
@testable import Workbench

/// The config form and `config set` check a value the same way: target patterns must each select a
/// module (as `target add` asks), a field PEFT needs cannot be cleared to null, and what `config
/// set` echoes is what it set. AdaLoRA's `rank_pattern` help describes what its validation wants.
@Suite struct ConfigFormTests {
    /// The footer of the config form while `key` is edited with `text` typed.
    static func formFooter(_ session: TestSession, key: String, text: String) throws -> String {
        let state = TUIState()
        state.focus = .config
        let rows = FormRow.all(session.controller)
        state.configCursor = try #require(rows.firstIndex { $0.key == key })
        state.fieldEditor = (rows[state.configCursor], LineEditor(text: text))
        let screen = Screen.render(controller: session.controller, state: state, width: 200, height: 60)
        let footer = (0 ..< screen.height).map(screen.row).first { $0.contains("✗ ") || $0.contains("✓ valid") }
        return try #require(footer, "no footer on \(screen.text)")
    }

    @Test func aTargetPatternThatSelectsNothingIsRefusedByTheFormAndTheCommand() throws {
        let session = try TestSession()
        let footer = try Self.formFooter(session, key: "target_modules", text: "q_proj k_proj zzz")
        #expect(footer.contains("✗ zzz selects no module"), "\(footer)")
        #expect(session.failure("config set target_modules q_proj k_proj zzz").contains("zzz selects no module"))
        #expect(session.failure("target add zzz").contains("zzz selects no module"))
        #expect(session.controller.rules.entries.isEmpty)
        #expect(try Self.formFooter(session, key: "target_modules", text: "q_proj k_proj").contains("✓ valid"))
        #expect(try Self.formFooter(session, key: "exclude_modules", text: "nothing_here").contains("✗ nothing_here selects no module"))
    }

    @Test func configSetOfTheTargetsEchoesTheRulesItSet() throws {
        let session = try TestSession()
        #expect(try session.run("config set target_modules q_proj") == "target_modules = q_proj")
        #expect(session.controller.selection.names == ["model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.q_proj"])
        #expect(try session.run("config set target_modules q_proj k_proj") == "target_modules = q_proj, k_proj")
        #expect(try session.run("config set exclude_modules model.layers.0.self_attn.k_proj") == "exclude_modules = model.layers.0.self_attn.k_proj")
        #expect(session.controller.selection.names.count == 3)
        #expect(session.failure("config set target_modules all-linear q_proj").contains("all-linear cannot be combined"))
    }

    @Test func aFieldPeftNeedsCannotBeClearedToNull() throws {
        let session = try TestSession()
        let footer = try Self.formFooter(session, key: "r", text: "")
        #expect(footer.contains("✗ r needs a value; null is not one (PEFT's default is 8"), "\(footer)")
        #expect(session.failure("config set r null").contains("r needs a value"))
        #expect(session.controller.draft.values["r"] == nil)
        // Clearing the field and pressing Enter is refused too, and leaves r as it was.
        let state = TUIState()
        state.focus = .config
        let keys = KeyHandler(controller: session.controller, state: state)
        keys.handle(.enter)
        for _ in 0 ..< 3 { keys.handle(.backspace) }
        keys.handle(.enter)
        #expect(state.message?.contains("r needs a value") == true, "\(state.message ?? "")")
        #expect(session.controller.draft.value(of: "r") == "8")
        // A field whose PEFT default is null takes null.
        try session.run("config set layers_to_transform 0")
        #expect(try session.run("config set layers_to_transform null") == "layers_to_transform = null")
    }

    @Test func aTypedValueWithAnOpenQuoteSaysSo() throws {
        let session = try TestSession()
        #expect(try Self.formFooter(session, key: "bias", text: "'none").contains("✗ unterminated ' quote"))
    }

    @Test func adaloraRankPatternHelpDescribesTheMasksItsValidationWants() throws {
        let session = try TestSession()
        try session.run("method adalora")
        let help = try session.run("help rank_pattern")
        #expect(help.contains("[true, false, ...]") && !help.contains("\"regex\": r"), "\(help)")
        #expect(session.failure("config set rank_pattern '{\"q_proj\": 4}'").contains("must be a list of true/false"))
        #expect(try session.run("config set rank_pattern '{\"model.layers.0.self_attn.q_proj\": [true, false]}'").hasPrefix("rank_pattern = {"))
        try session.run("method lora")
        #expect(try session.run("help rank_pattern").contains("{\"regex\": r}"))
    }

    /// The rows of the LoraConfig fields that change the model check what is typed as `config set` does.
    @Test func theModelFeatureRowsCheckTheirValues() throws {
        let session = try TestSession()
        #expect(try Self.formFooter(session, key: "layer_replication", text: "[[0, 2], [1, 2]]").contains("✓ valid"))
        #expect(try Self.formFooter(session, key: "layer_replication", text: "[[2, 1]]").contains("✗ "))
        #expect(try Self.formFooter(session, key: "trainable_token_indices", text: "[1, 2]").contains("✓ valid"))
        #expect(try Self.formFooter(session, key: "trainable_token_indices", text: "\"x\"").contains("✗ "))
        #expect(try Self.formFooter(session, key: "megatron_config", text: "'{\"tensor_model_parallel_size\": 2}'").contains("GPU cluster"))
        #expect(try Self.formFooter(session, key: "runtime_config", text: "'{\"ephemeral_gpu_offload\": true}'").contains("✓ valid"))
        #expect(try session.run("help layer_replication").contains("copies share the base weights"))
    }

    @Test func aFieldSetToItsDefaultValueIsNotMarkedChanged() throws {
        let session = try TestSession()
        func form() -> String {
            let state = TUIState()
            state.focus = .config
            return Screen.render(controller: session.controller, state: state, width: 200, height: 60).text
        }
        try session.run("config set r 8")
        try session.run("config set lora_dropout 0")
        try session.run("recipe set lr=0.0002")
        #expect(!form().contains("*r ") && !form().contains("*lora_dropout") && !form().contains("*lr "), "\(form())")
        let shown = try session.run("config show")
        #expect(shown.contains("\n  r                    8\n") && shown.contains("\n  lora_dropout         0\n"), "\(shown)")
        #expect(try session.run("recipe show").contains("\n  lr                0.0002"))
        try session.run("config set r 16")
        try session.run("config set exclude_modules model.layers.0.self_attn.q_proj")
        try session.run("recipe set lr=1e-3")
        #expect(form().contains("*r ") && form().contains("*exclude_modules") && form().contains("*lr "), "\(form())")
        let changed = try session.run("config show")
        #expect(changed.contains("\n* r                    16\n") && changed.contains("\n* exclude_modules"), "\(changed)")
    }

    @Test func adaloraTotalStepShowsTheStepsARunGivesItOrThatItMustBeSet() throws {
        let session = try TestSession()
        try session.run("method adalora")
        #expect(try session.run("config show").contains("\n  total_step           60 (max_steps)\n"))
        try session.run("recipe set max_steps=25")
        let form = Screen.render(controller: session.controller, state: TUIState(), width: 200, height: 60).text
        #expect(form.contains(" total_step") && form.contains("25 (max_steps)"), "\(form)")
        try session.run("recipe set max_steps= epochs=1")
        #expect(try session.run("config show").contains("\n  total_step           null (required: set it, or recipe set max_steps=N)\n"))
        try session.run("config set total_step 30")
        #expect(try session.run("config show").contains("\n* total_step           30\n"))
        try session.run("config unset total_step")
        try session.run("recipe set max_steps=25")
        #expect(try session.run("adapter new a").contains("adalora r 12→8 over 25 steps"))
    }
}
