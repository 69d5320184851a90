import Foundation
import Testing
@testable import Workbench

/// Editing targets that start as PEFT's defaults: the defaults become explicit rules at the first
/// edit (space no longer drops them), a module toggled off and on is back, and `u`/`undo` takes
/// each change back.
@Suite struct TargetEditingTests {
    @Test func spaceOnAModuleAddsItToPeftsDefaultTargets() throws {
        let session = try TestSession()
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        _ = Screen.render(controller: session.controller, state: state, width: 80, height: 24)
        #expect(session.controller.selection.names.count == 4)
        keys.handle(.character("/"))
        for character in "k_proj" { keys.handle(.character(character)) }
        keys.handle(.enter)
        keys.handle(.character(" "))
        let names = session.controller.selection.names
        #expect(names.count == 6)
        #expect(names.contains("model.layers.0.self_attn.q_proj") && names.contains("model.layers.1.self_attn.v_proj"))
        #expect(session.output().contains("PEFT's default targets for llama are now rules: q_proj, v_proj"))
    }

    @Test func aDefaultTargetToggledOffAndOnIsBack() throws {
        let session = try TestSession()
        let before = session.controller.selection.names
        #expect(try session.run("target remove self_attn.v_proj").contains("- v_proj"))
        #expect(session.controller.selection.names == before.filter { !$0.hasSuffix("v_proj") })
        try session.run("target add self_attn.v_proj")
        #expect(session.controller.selection.names == before)
        try session.run("target remove model.layers.0.self_attn.q_proj")
        #expect(session.controller.rules.excluded == ["model.layers.0.self_attn.q_proj"])
        #expect(try session.run("target add model.layers.0.self_attn.q_proj").contains("no longer excluded"))
        #expect(session.controller.selection.names == before)
        #expect(session.controller.rules.excluded.isEmpty)
    }

    @Test func undoTakesBackEachTargetAndConfigChangeInTurn() throws {
        let session = try TestSession()
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        let defaults = session.controller.selection.names
        try session.run("target add k_proj")
        try session.run("config set r 4")
        try session.run("target remove q_proj")
        #expect(session.controller.selection.names.count == 4)
        _ = Screen.render(controller: session.controller, state: state, width: 80, height: 24)
        keys.handle(.character("u"))
        #expect(session.controller.selection.names.count == 6)
        #expect(try session.run("undo").hasPrefix("undid `config set r 4`"))
        #expect(session.controller.draft.value(of: "r") == "8")
        #expect(try session.run("undo").hasPrefix("undid `target add k_proj`; targets: 4 modules (PEFT's defaults for llama)"))
        #expect(session.controller.selection.names == defaults)
        #expect(session.failure("undo") == "undo: nothing to undo")
        #expect(session.controller.rules.entries.isEmpty)
    }

    @Test func editingTheTargetsOrConfigUnderAnAdapterSaysTheAdapterKeepsItsOwn() throws {
        let session = try TestSession()
        try session.run("adapter new a")
        let peft = try #require(session.controller.workspace?.peft)
        let added = try session.run("target add k_proj")
        #expect(added.contains("note: adapter a keeps its 4 modules (the targets now select 6)"))
        #expect(added.contains("`adapter new NAME` makes one from this config"))
        #expect(peft.wrappedModuleNames(of: "a").count == 4)
        #expect(try session.run("config set r 16").contains("note: adapter a keeps r 8;"))
        #expect(!(try session.run("config set r 8")).contains("note:"))
        #expect(try session.run("adapter new b").contains("on 6 modules"))
        #expect(!(try session.run("config set lora_dropout 0.0")).contains("note:"))
        #expect(try session.run("target remove k_proj").contains("note: adapter b keeps its 6 modules (the targets now select 4)"))
        #expect(!(try session.run("undo")).contains("note:"))
    }

    /// `train` on an adapter that exists trains it as it was made, and says which values set with
    /// `config set` or which targets it does not follow; with nothing different it says nothing.
    @Test func trainingAnAdapterUnlikeTheDraftSaysTheRunKeepsTheAdapter() throws {
        let session = try TestSession()
        try session.run("adapter new a")
        let plain = try session.run("train max_steps=2 batch_size=2 seq_len=16 eval_split=0")
        session.controller.job?.wait()
        #expect(!plain.contains("note: training adapter"), "\(plain)")
        try session.run("config set r 16")
        try session.run("target add k_proj")
        let edited = try session.run("train max_steps=2 batch_size=2 seq_len=16 eval_split=0")
        session.controller.job?.wait()
        #expect(edited.contains("note: training adapter a as it was made: r 8 (the draft has 16), its 4 modules (the targets select 6);"), "\(edited)")
        #expect(session.controller.workspace?.peft?.wrappedModuleNames(of: "a").count == 4)
    }
}

