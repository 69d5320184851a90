import Foundation
import Testing
@testable import Workbench

/// The inspector in the workbench (`inspect`, the `i` view) and `adapter arrow`, checked against
/// `intruders_llama`'s record of the intruders PEFT finds and the cosines it computes.
@Suite(.serialized) struct InspectorWorkbenchTests {
    static let fixture = TestSession.repository.appendingPathComponent("Tests/Fixtures/intruders_llama")

    /// `expected.json`'s per-module record.
    static func perModule() throws -> [String: [String: Any]] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: fixture.appendingPathComponent("expected.json"))) as? [String: Any])
        return try #require(json["per_module"] as? [String: [String: Any]])
    }

    static func session() throws -> TestSession {
        let session = try TestSession(loaded: false)
        try session.run("load \(fixture.appendingPathComponent("base").path)")
        try session.run("adapter load \(fixture.appendingPathComponent("adapter").path)")
        return session
    }

    @Test func inspectListsThePlantedIntrudersAndPeftsCosines() throws {
        let session = try Self.session()
        defer { try? FileManager.default.removeItem(at: session.folder) }
        let table = try session.run("inspect")
        for (module, record) in try Self.perModule() {
            let intruders = try #require(record["intruders"] as? [Int])
            let line = try #require(table.split(separator: "\n").first { $0.hasPrefix(module + " ") })
            #expect(intruders.isEmpty ? line.hasSuffix("none") : line.contains("\(intruders.count): #\(intruders[0]) "), "\(line)")
            #expect(line.contains("  \(try #require(record["r"] as? Int))  "), "\(line)")
            let detail = try session.run("inspect \(module)")
            let cosines = try #require(record["cos_sim_top_k"] as? [Double])
            let marked = cosines.enumerated().map { (intruders.contains($0.offset) ? "!" : "") + String(format: "%.3f", $0.element) }.joined(separator: " ")
            #expect(detail.contains(marked), "\(module): \(detail)")
        }
        #expect(session.failure("inspect model.layers.5.mlp.up_proj").contains("holds no adapter default"))
        #expect(session.failure("inspect --top-k many").contains("--top-k needs a whole number"))
    }

    @Test func theViewShowsTheSelectedModuleAt80By24And120By36() throws {
        let session = try Self.session()
        defer { try? FileManager.default.removeItem(at: session.folder) }
        let module = "model.layers.1.mlp.up_proj"
        let record = try #require(try Self.perModule()[module])
        let intruders = try #require(record["intruders"] as? [Int]), cosines = try #require(record["cos_sim_top_k"] as? [Double])
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        keys.handle(.character(":"))
        for character in "inspect \(module)" { keys.handle(.character(character)) }
        keys.handle(.enter)
        #expect(state.inspector.isShown && state.inspector.pinnedModule == module)
        for (width, height) in [(80, 24), (120, 36)] {
            let grid = ScreenTests.render(session, state, width: width, height: height)
            #expect(grid.contains("inspect default · \(module.dropFirst("model.".count))"), "\(width)×\(height)\n\(grid.text)")
            #expect(grid.contains("r=\(try #require(record["r"] as? Int)) alpha=\(String(format: "%g", try #require(record["lora_alpha"] as? Double)))"))
            #expect(grid.contains("σ1 ") && grid.contains("█"))
            #expect(grid.contains("!" + String(format: "%.2f", cosines[intruders[0]])), "\(width)×\(height)\n\(grid.text)")
            #expect(grid.contains("intruders \(intruders.count)"), "\(width)×\(height)\n\(grid.text)")
        }
        let large = ScreenTests.render(session, state, width: 120, height: 36)
        #expect(large.contains("σ\(try #require(record["r"] as? Int)) "), "\(large.text)")
        keys.handle(.character("i"))
        #expect(!state.inspector.isShown)
        keys.handle(.character("i"))
        let closed = ScreenTests.render(session, state)
        #expect(closed.contains("select a module with an adapter in the tree"), "\(closed.text)")
    }

    @Test func aCombinedAdapterIsShownBesideItsInputs() throws {
        let session = try TestSession()
        defer { try? FileManager.default.removeItem(at: session.folder) }
        try session.run("config set init_lora_weights false")
        try session.run("adapter new a")
        try session.run("adapter new b")
        try session.run("adapter combine sum a:0.7 b:-0.3 --type cat")
        let detail = try session.run("inspect model.layers.0.self_attn.q_proj")
        let change = try #require(detail.split(separator: "\n").first { $0.hasPrefix("before:") }?.components(separatedBy: "relative change ").last)
        #expect(try #require(Double(change)) < 1e-5, "cat is the weighted sum of its inputs: \(detail)")
        try session.run("adapter combine svd a:1 b:1 --svd-rank 2")
        let state = TUIState()
        let keys = KeyHandler(controller: session.controller, state: state)
        keys.handle(.character(":"))
        for character in "inspect model.layers.0.self_attn.q_proj" { keys.handle(.character(character)) }
        keys.handle(.enter)
        let grid = ScreenTests.render(session, state, width: 120, height: 36)
        #expect(grid.contains("now │ before") && grid.contains("svd of a:1 b:1"), "\(grid.text)")
    }

    @Test func arrowRoutesOverLoadedAdaptersAndStaysOutOfSave() throws {
        let session = try TestSession()
        defer { try? FileManager.default.removeItem(at: session.folder) }
        try session.run("config set init_lora_weights false")
        try session.run("adapter new a")
        try session.run("adapter new b")
        #expect(session.failure("adapter arrow r a c").contains("unknown adapter \"c\""))
        #expect(session.failure("adapter arrow r a b --top-k 3").contains("top_k 3 is more than the 2 task experts"))
        let made = try session.run("adapter arrow r a b --top-k 1")
        #expect(made.contains("adapter r (active) routes each token to 1 of a, b on 4 modules"))
        #expect(try session.run("adapter list").contains("r  r=8 alpha=8  Arrow router active  (arrow over a b (top-k 1, temperature 1))"))
        #expect(session.failure("adapter arrow again r").contains("is itself an Arrow router"))
        #expect(session.failure("inspect").contains("Arrow router with no weights"))
        let out = session.folder.appendingPathComponent("saved")
        let saved = try session.run("save \(out.path)")
        #expect(!saved.contains("saved r ") && !FileManager.default.fileExists(atPath: out.appendingPathComponent("r").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("a/adapter_config.json").path))
        try session.run("adapter use a")
        try session.run("adapter use r")
    }
}
