import Foundation
import Testing
import Tuners
import Workbench

/// `method` chooses among every registered PEFT method; LoHa and LoKr get their own config form,
/// validated as PEFT validates it, and their adapters wrap, train, save and reload.
@Suite struct MethodCommandTests {
    @Test func lohaAndLokrHaveTheirOwnFormsAndAdapters() throws {
        let session = try TestSession()
        #expect(session.failure("method lohx").contains("did you mean loha?"))
        try session.run("method loha")
        let form = try session.run("config show")
        #expect(form.hasPrefix("loha config") && form.contains("  alpha                8") && form.contains("  module_dropout       0"))
        #expect(!form.contains("lora_alpha") && !form.contains("lora_dropout"))
        #expect(session.failure("config set lora_alpha 16").contains("unknown loha config key \"lora_alpha\"; expected one of: r, alpha,"))
        #expect(session.failure("config set rank_dropout 2").hasPrefix("config set: rank_dropout:"))
        #expect(try session.run("help rank_dropout").contains("drop each row of the update"))
        try session.run("config set r 2")
        try session.run("target only q_proj")
        #expect(try session.run("adapter new hada").contains("adapter hada (active): loha r=2 alpha=8"))
        #expect(try session.run("tree").contains("loha.Linear"))
        try session.train(steps: 2)
        let saved = session.folder.appendingPathComponent("saved")
        try session.run("save \(saved.path)")
        let config = try PeftConfigs.read(contentsOf: saved.appendingPathComponent("hada/adapter_config.json"))
        #expect(config is LoHaConfig && config.peftType == .loha)
        try session.run("adapter delete hada")
        try session.run("method lokr")
        try session.run("config set decompose_both true")
        #expect(try session.run("adapter new kron").contains("lokr r=2 alpha=8 decompose_both"))
        #expect(try session.run("tree").contains("lokr.Linear"))
        #expect(session.failure("adapter load \(saved.path)/hada again").contains("Cannot combine adapters with different peft types"))
    }
}
