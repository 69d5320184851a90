import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// `arrow_llama` and `arrow_gks_llama`: PEFT's `create_arrow_model` over the case's experts (and
/// general adapters) gives PEFT's prototypes (up to sign), GenKnowSub tensors and routed logits.
@Suite struct ArrowTests {
    /// The case's expert or general-adapter folders, in loading order.
    static func folders(_ fixture: FixtureCase, _ key: String) throws -> [URL] {
        let json = try JSONValue.parse(Data(contentsOf: fixture.directory.appendingPathComponent("case.json")), path: "case.json")
        let members = json.members?.first { $0.key == key }?.value.members ?? []
        return try members.map { _, entry in
            guard case let .string(folder)? = entry.members?.first(where: { $0.key == "folder" })?.value else { throw TunerError.invalidState("no folder") }
            return fixture.folder(folder)
        }
    }

    static func config(_ fixture: FixtureCase) throws -> ArrowConfig {
        let arrow = try #require(fixture.caseInfo["arrow_config"] as? [String: Any])
        return ArrowConfig(topK: try #require(arrow["top_k"] as? Int), routerTemperature: try #require(arrow["router_temperature"] as? NSNumber).doubleValue,
                           useGks: arrow["use_gks"] as? Bool ?? false, rngSeed: arrow["rng_seed"] as? Int)
    }

    @Test(arguments: ["arrow_llama", "arrow_gks_llama"])
    func routedLogitsAndPrototypesMatchPeft(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let peft = try PeftModel.createArrowModel(fixture.loadBase(), taskAdapters: Self.folders(fixture, "experts"),
                                                  generalAdapters: Self.folders(fixture, "general_adapters"), config: Self.config(fixture))
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        let routers = peft.model.namedModules().compactMap { name, module in (module as? ArrowLinear).map { (name, $0) } }
        #expect(routers.map(\.0).sorted() == (try fixture.expectedJSON["routed_modules"] as? [String])?.sorted())
        for (module, router) in routers {
            let expected = try fixture.expected.tensor(named: "prototypes.\(module)")
            let (rows, columns) = (expected.shape[0], expected.shape[1])
            let ours = router.prototypes.scalars, theirs = expected.scalars
            for e in 0 ..< rows {
                let dot = (0 ..< columns).map { ours[e * columns + $0] * theirs[e * columns + $0] }.reduce(0, +)
                #expect(abs(abs(dot) - 1) < 1e-4, "\(module) expert \(e): |cos| \(abs(dot))")
            }
        }
    }

    @Test func genKnowSubSubtractsTheGeneralMeans() throws {
        let fixture = try FixtureCase("arrow_gks_llama")
        let tasks = try Self.folders(fixture, "experts"), general = try Self.folders(fixture, "general_adapters")
        let peft = try PeftModel.loading(fixture.loadBase(), adapters: tasks.enumerated().map { try AdapterReference("task_\($0.offset)=\($0.element.path)") }
            + general.enumerated().map { try AdapterReference("gks_\($0.offset)=\($0.element.path)") })
        try peft.subtractGeneralKnowledge(from: tasks.indices.map { "task_\($0)" }, general: general.indices.map { "gks_\($0)" })
        for (module, layer) in peft.adapterLayers {
            let expectedA = try fixture.expected.tensor(named: "task_lora_A_after_gks.\(module)").scalars
            let actual = try tasks.indices.flatMap { try #require(LoraFactors.of("task_\($0)", on: layer)).a.value().scalars }
            #expect(zip(actual, expectedA).allSatisfy { abs($0 - $1) <= 1e-6 + 1e-5 * abs($1) }, "\(module)")
        }
        try peft.setAdapter("task_0")
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_task_0_after_gks") == nil)
    }

    @Test func badArrowSetupsAreRefused() throws {
        let fixture = try FixtureCase("arrow_llama")
        let tasks = try Self.folders(fixture, "experts")
        #expect(throws: TunerError.self) { try PeftModel.createArrowModel(fixture.loadBase(), taskAdapters: [], config: ArrowConfig()) }
        #expect(throws: TunerError.self) { try PeftModel.createArrowModel(fixture.loadBase(), taskAdapters: tasks, config: ArrowConfig(useGks: true)) }
        #expect(throws: TunerError.self) { try PeftModel.createArrowModel(fixture.loadBase(), taskAdapters: tasks, config: ArrowConfig(routerTemperature: 0)) }
        #expect(throws: TunerError.self) { try PeftModel.createArrowModel(fixture.loadBase(), taskAdapters: tasks, config: ArrowConfig(topK: tasks.count + 1)) }
    }
}
