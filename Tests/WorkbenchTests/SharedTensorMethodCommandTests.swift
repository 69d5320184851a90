import Foundation
import Testing
import Tuners
@testable import Workbench

/// `method vblora` and `method randlora`: their own forms, adapters that wrap, train, save and
/// reload, and the detail pane showing the tensors an adapter's layers share.
@Suite struct SharedTensorMethodCommandTests {
    /// The screen after searching the tree for `name` (so the detail pane shows that module).
    static func screen(_ session: TestSession, showing name: String) -> Grid {
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        _ = ScreenTests.render(session, state, width: 200, height: 60)
        keys.handle(.character("/"))
        for character in name { keys.handle(.character(character)) }
        keys.handle(.enter)
        return ScreenTests.render(session, state, width: 200, height: 60)
    }

    @Test func vbloraAndRandloraWorkFromTheWorkbenchAndShowTheirSharedTensors() throws {
        let session = try TestSession()
        try session.run("method vblora")
        let form = try session.run("config show")
        #expect(form.hasPrefix("vblora config") && form.contains("num_vectors") && !form.contains("lora_alpha"))
        #expect(session.failure("config set topk 0").hasPrefix("config set: topk:"))
        try session.run("config set num_vectors 16")
        try session.run("config set vector_length 8")
        try session.run("target only q_proj v_proj")
        #expect(try session.run("adapter new bank").contains("adapter bank (active): vblora r=4 vectors=16×8 topk=2"))
        #expect(try session.run("tree").contains("vblora.Linear"))
        #expect(Self.screen(session, showing: "q_proj").contains("vblora_vector_bank [16, 8] · 128 values · trains · shared by the 4 layers"))
        try session.train(steps: 2)
        let saved = session.folder.appendingPathComponent("saved")
        try session.run("save \(saved.path)")
        #expect(try PeftConfigs.read(contentsOf: saved.appendingPathComponent("bank/adapter_config.json")) is VBLoRAConfig)
        let keys = try String(decoding: Data(contentsOf: saved.appendingPathComponent("bank/adapter_model.safetensors")).prefix(4096), as: UTF8.self)
        #expect(keys.contains("\"base_model.vblora_vector_bank\"") && !keys.contains("q_proj.vblora_vector_bank"))
        try session.run("adapter delete bank")
        try session.run("method randlora")
        try session.run("config set r 8")
        #expect(try session.run("adapter new rand").contains("adapter rand (active): randlora r=8 alpha=640"))
        let grid = Self.screen(session, showing: "v_proj")
        #expect(grid.contains("randlora_A [8, 1, 32], randlora_B [32, 4, 8] · 1,280 values · frozen · shared by the 4 layers of rand"))
    }
}
