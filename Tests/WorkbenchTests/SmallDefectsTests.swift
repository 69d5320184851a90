import Foundation
import Testing
@testable import Workbench

/// The smaller surprises: a mistyped theme, help for keys and subcommands, rank 1 in the heat map,
/// quitting with adapters not saved.
@Suite struct SmallDefectsTests {
    @Test func aMistypedThemeKeepsTheCurrentOne() throws {
        let session = try TestSession()
        try session.run("theme solarized-dark")
        #expect(session.failure("theme neon").hasSuffix("; keeping the theme solarized-dark"))
        #expect(session.controller.theme.name == "solarized-dark")
    }

    @Test func helpExplainsSubcommandsRecipeKeysAndConfigKeys() throws {
        let session = try TestSession()
        let train = try session.run("help train")
        #expect(train.contains("recipe keys: ") && train.contains("max_steps") && train.contains("schedule"))
        #expect(try session.run("help config set").hasPrefix("config "))
        #expect(session.failure("help config sett").contains("did you mean set?"))
        #expect(try session.run("help r").hasPrefix("r (lora config): rank of the update"))
        #expect(try session.run("help lr").hasPrefix("lr (recipe key): peak learning rate (after warmup); set with `recipe set lr=VALUE` or `train lr=VALUE`; now 2e-4"))
    }

    @Test func rankOneIsShadedAndOnlyRankZeroIsBlank() {
        #expect(RanksPane.level(rank: 0, maximum: 12) == 0)
        #expect(RanksPane.level(rank: 1, maximum: 12) == 1)
        #expect(RanksPane.level(rank: 12, maximum: 12) == RanksPane.shades.count - 1)
    }

    @Test func qAsksBeforeQuittingWithAdaptersNotSaved() throws {
        let session = try TestSession()
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        try session.run("adapter new first")
        keys.handle(.character("q"))
        #expect(state.confirmingQuit == "Not saved: first (w saves). Quit anyway? (y/n)")
        #expect(Screen.render(controller: session.controller, state: state, width: 80, height: 24).contains("Not saved: first"))
        keys.handle(.character("n"))
        #expect(!session.controller.quitRequested && state.confirmingQuit == nil)
        try session.run("save \(session.folder.appendingPathComponent("saved").path)")
        keys.handle(.character("q"))
        #expect(session.controller.quitRequested)
    }
}
