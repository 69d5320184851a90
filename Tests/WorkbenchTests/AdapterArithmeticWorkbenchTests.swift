import Foundation
import Testing
import Workbench

/// `adapter combine` and `adapter reduce-intruders` in the command language: the new adapter is
/// active, listed with its recipe and saved like any other; bad words are named.
@Suite(.serialized) struct AdapterArithmeticWorkbenchTests {
    @Test func combineMakesAnActiveListedAdapterWithItsRecipe() throws {
        let session = try TestSession()
        try session.run("target only q_proj v_proj")
        try session.run("adapter new fortunes")
        try session.run("config set r 4")
        try session.run("adapter new definitions")
        #expect(session.failure("adapter combine both fortunes:0.5 definitions:0.5 --type linear")
            .contains("All adapters must have the same r value"))
        let printed = try session.run("adapter combine both fortunes:0.7 definitions:-0.3 --type cat")
        #expect(printed.contains("adapter both (active) = cat of fortunes:0.7 definitions:-0.3: r=12 on 4 modules"))
        #expect(printed.contains("model.layers.0.self_attn.q_proj  rank 12"))
        let listed = try session.run("adapter list")
        #expect(listed.contains("* both") && listed.contains("(cat of fortunes:0.7 definitions:-0.3)"))
        try session.run("adapter combine svd fortunes:1 definitions:1 --svd-rank 2")
        #expect(try session.run("adapter list").contains("(svd of fortunes:1 definitions:1)"))
        let reduced = try session.run("adapter reduce-intruders calm --from fortunes --top-k 4")
        #expect(reduced.contains("Enabling new adapter calm"))
        let out = session.folder.appendingPathComponent("saved")
        try session.run("save \(out.path)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("both/adapter_config.json").path))
        try session.run("adapter delete both")
        #expect(!(try session.run("adapter list")).contains("cat of"))
    }

    @Test func badCombineWordsAreNamed() throws {
        let session = try TestSession()
        try session.run("adapter new a")
        #expect(session.failure("adapter combine x a") == "adapter combine: \"a\" is not ADAPTER:WEIGHT, e.g. fortunes:0.7 (usage: \("adapter combine NEW A:WEIGHT B:WEIGHT ... [--type TYPE] [--density D] [--svd-rank N] [--svd-clamp Q] [--majority-sign total|frequency] [--seed S]"))")
        #expect(session.failure("adapter combine x b:1").contains("unknown adapter \"b\""))
        #expect(session.failure("adapter combine x a:1 --density lots") == "adapter combine: --density needs a number, not \"lots\"")
        #expect(session.failure("adapter combine x a:1 --majority-sign most").contains("unknown majority sign method \"most\""))
        #expect(session.failure("adapter combine x a:1 --type avg").contains("Invalid combination_type: avg"))
        #expect(session.failure("adapter combine x a:1 --colour red").contains("unknown option \"--colour\""))
    }
}
