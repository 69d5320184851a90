import JSON
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
        let routers = peft.adapterLayers.compactMap { name, layer in
            (layer as? LoraLinear).flatMap { lora in lora.arrowRouters[PeftModel.arrowRouterName].map { (name, lora, $0) } }
        }
        #expect(routers.map(\.0).sorted() == (try fixture.expectedJSON["routed_modules"] as? [String])?.sorted())
        for (module, layer, router) in routers {
            let expected = try fixture.expected.tensor(named: "prototypes.\(module)")
            let (rows, columns) = (expected.shape[0], expected.shape[1])
            let ours = try router.prototypes(in: layer).scalars, theirs = expected.scalars
            for e in 0 ..< rows {
                let dot = (0 ..< columns).map { ours[e * columns + $0] * theirs[e * columns + $0] }.reduce(0, +)
                #expect(abs(abs(dot) - 1) < 1e-4, "\(module) expert \(e): |cos| \(abs(dot))")
            }
        }
    }

    /// A fully real row of the case's inputs (its ids) and its index.
    static func realRow(_ fixture: FixtureCase) throws -> (row: Int, ids: [Int]) {
        let file = try SafeTensorsFile(contentsOf: fixture.directory.appendingPathComponent("inputs.safetensors"))
        let length = try #require(file.info(named: "input_ids")?.shape[1])
        let ids = try file.integers(named: "input_ids"), mask = try file.integers(named: "attention_mask")
        let row = try #require((0 ..< ids.count / length).first { row in mask[row * length ..< (row + 1) * length].allSatisfy { $0 == 1 } })
        return (row, Array(ids[row * length ..< (row + 1) * length]))
    }

    /// Generation with the KV cache routes each new token on its own hidden state: the first token is
    /// the argmax of PEFT's routed logits at the prompt's end, the next ones those of full forwards.
    @Test func generationRoutesWithTheCache() throws {
        let fixture = try FixtureCase("arrow_llama")
        let peft = try PeftModel.createArrowModel(fixture.loadBase(), taskAdapters: Self.folders(fixture, "experts"), config: Self.config(fixture))
        let (row, prompt) = try Self.realRow(fixture)
        let logits = try fixture.expected.tensor(named: "logits_adapted")
        let vocabulary = logits.shape[2]
        let last = Array(logits.scalars[(row * logits.shape[1] + prompt.count - 1) * vocabulary ..< (row * logits.shape[1] + prompt.count) * vocabulary])
        let generated = try TextGenerator(model: peft.model).generate(prompt: prompt, options: SamplingOptions(maxNewTokens: 4))
        #expect(generated.first == last.indices.max { last[$0] < last[$1] })
        var sequence = prompt
        for _ in generated {
            let full = try GradMode.withoutGradients { try peft.model.forward(ModelInput(ids: sequence, batch: 1, length: sequence.count)).logits! }
            let tail = Array(full.scalars.suffix(vocabulary))
            sequence.append(tail.indices.max { tail[$0] < tail[$1] }!)
        }
        #expect(generated == Array(sequence.dropFirst(prompt.count)))
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

    /// The workbench's `adapter arrow`: a router over adapters loaded under any names routes as
    /// PEFT's `create_arrow_model` does while it is active, leaves the experts usable one by one, is
    /// not saved, and says so when an expert it routes over was deleted.
    @Test func aRouterOverLoadedAdaptersIsAnAdapterOfItsOwn() throws {
        let fixture = try FixtureCase("arrow_gks_llama")
        let tasks = try Self.folders(fixture, "experts"), general = try Self.folders(fixture, "general_adapters")
        let names = tasks.indices.map { "expert\($0)" }, generalNames = general.indices.map { "general\($0)" }
        let peft = try PeftModel.loading(fixture.loadBase(), adapters: zip(names, tasks).map { try AdapterReference("\($0)=\($1.path)") }
            + zip(generalNames, general).map { try AdapterReference("\($0)=\($1.path)") })
        try peft.addArrowRouter("routed", experts: names, general: generalNames, config: Self.config(fixture))
        #expect(peft.isArrowRouter("routed") && !peft.isArrowRouter(names[0]))
        try peft.setAdapter("routed")
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        try peft.setAdapter(names[0])
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_task_0_after_gks") == nil)
        let folder = try SaveLoadTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try peft.savePretrained(directory: folder)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("routed").path))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(names[1]).path))
        #expect(throws: TunerError.self) { try peft.addArrowRouter("routed", experts: names, config: Self.config(fixture)) }
        #expect(throws: TunerError.self) { try peft.addArrowRouter("again", experts: ["routed"], config: ArrowConfig(topK: 1)) }
        try peft.deleteAdapter(names[1])
        try peft.setAdapter("routed")
        let error = try #require(throws: TunerError.self) { try fixture.output(of: peft) }
        #expect("\(error)".contains("lost its expert \(names[1])"))
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
