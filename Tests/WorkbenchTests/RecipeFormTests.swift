import Foundation
import Testing
import Training
@testable import Workbench

/// The training settings in the config form and `recipe set|unset|show`, checked as a run checks
/// them; `recipe save` writes the session as a recipe that trains headless to the same losses.
@Suite struct RecipeFormTests {
    /// Presses `keys` on a fresh TUI state with the config form focused on the row `key`.
    static func form(_ session: TestSession, on key: String) throws -> (TUIState, KeyHandler) {
        let state = TUIState()
        state.focus = .config
        state.configCursor = try #require(FormRow.all(session.controller).firstIndex { $0.key == key })
        return (state, KeyHandler(controller: session.controller, state: state))
    }

    @Test func theFormListsTheTrainingSettingsAndEditsThemWithTheirValidation() throws {
        let session = try TestSession()
        let (state, keys) = try Self.form(session, on: "lr")
        var screen = Screen.render(controller: session.controller, state: state, width: 200, height: 60)
        #expect(screen.contains(ConfigPane.settingsHeading) && screen.contains("lr: peak learning rate"), "\(screen.text)")
        keys.handle(.enter)
        for _ in 0 ..< 4 { keys.handle(.backspace) }
        for character in "-1" { keys.handle(.character(character)) }
        screen = Screen.render(controller: session.controller, state: state, width: 200, height: 60)
        #expect(screen.contains("✗ lr must be a number in"), "\(screen.text)")
        for _ in 0 ..< 2 { keys.handle(.backspace) }
        for character in "1e-3" { keys.handle(.character(character)) }
        #expect(Screen.render(controller: session.controller, state: state, width: 200, height: 60).contains("✓ valid"))
        keys.handle(.enter)
        #expect(session.controller.training.value(of: "lr") == "1e-3")
        #expect(session.output().contains("lr = 1e-3"))
        screen = Screen.render(controller: session.controller, state: state, width: 200, height: 60)
        #expect(screen.contains("*lr"), "\(screen.text)")
        keys.handle(.character("u"))
        #expect(session.controller.training.value(of: "lr") == "2e-4")
        // At 80×24 the form, given focus, scrolls to the setting.
        let small = Screen.render(controller: session.controller, state: state, width: 80, height: 24)
        #expect(small.contains("lr") && small.contains("2e-4"), "\(small.text)")
    }

    @Test func recipeSetRefusesWhatARunRefusesAndKeepsNothingOfIt() throws {
        let session = try TestSession()
        #expect(session.failure("recipe set batch_size=0").contains("batch_size must be a whole number ≥ 1"))
        #expect(session.failure("recipe set schedule=cosin").contains("schedule must be one of"))
        #expect(session.failure("recipe set max_steps=").contains("give max_steps or epochs"))
        #expect(session.failure("recipe set model=x").contains("model comes from the session"))
        #expect(session.controller.training == TrainingSettings())
        #expect(try session.run("recipe set save_total_limit=2 schedule=cosine") == "save_total_limit = 2\nschedule = cosine")
        #expect(try session.run("recipe set save_total_limit=") == "save_total_limit = the recipe's default")
        let shown = try session.run("recipe show")
        #expect(shown.contains("* schedule") && shown.contains("cosine") && shown.contains("  lr "), "\(shown)")
    }

    @Test func aSavedRecipeTrainsHeadlessToTheSameLosses() throws {
        let session = try TestSession()
        try session.run("target add k_proj")
        try session.run("config set r 4")
        try session.run("recipe set max_steps=3 batch_size=2 seq_len=16 eval_split=0 lr=1e-3")
        let file = session.folder.appendingPathComponent("session.yaml")
        #expect(try session.run("recipe save \(file.path)").hasPrefix("wrote \(file.path): `lorakit train \(file.path)` runs it headless"))
        #expect(session.failure("recipe save \(file.path)").contains("exists; `recipe save \(file.path) --overwrite` replaces it"))
        try session.run("train")
        session.controller.job?.wait()
        let workbench = try RunRecord(folder: try #require(session.controller.job?.outputDirectory))

        let headless = session.folder.appendingPathComponent("headless")
        let recipe = try Recipe(contentsOf: file, overrides: ["output_dir=\(headless.path)"])
        #expect(recipe.fromScratch && recipe.model == session.modelPath && recipe.lr == 1e-3 && recipe.maxSteps == 3)
        let run = try TrainingRun(recipe: recipe)
        try run.run { _ in }
        let replayed = try RunRecord(folder: headless)
        #expect(replayed.config == workbench.config, "\(replayed.config) vs \(workbench.config)")
        #expect(replayed.steps.count == 3 && workbench.steps.count == 3)
        for (a, b) in zip(replayed.steps, workbench.steps) { #expect(abs(a.loss - b.loss) < 1e-5, "step \(a.step): \(a.loss) vs \(b.loss)") }
    }
}
