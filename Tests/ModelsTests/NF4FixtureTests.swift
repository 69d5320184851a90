import FixtureSupport
import Foundation
import Models
import Tensors
import Testing

/// bitsandbytes' NF4 as recorded by `init_loftq_llama`: LoftQ with one iteration quantises each
/// targeted base weight once, so the recorded codes, absmax and dequantised weights are NF4 of the
/// weights in `base/`.
@Suite struct NF4FixtureTests {
    static let fixtureName = "init_loftq_llama"

    /// The quantised modules, from the `nf4_codes.<module>` names in the fixture.
    static func quantizedModules(_ fixture: FixtureCase) throws -> [String] {
        try fixture.expected.names.filter { $0.hasPrefix("nf4_codes.") }.map { String($0.dropFirst("nf4_codes.".count)) }
    }

    @Test func codesAbsmaxAndValuesMatchBitsandbytes() throws {
        let fixture = try FixtureCase(Self.fixtureName)
        let base = try SafeTensorsFile(contentsOf: fixture.directory.appendingPathComponent("base/model.safetensors"))
        let expected = try fixture.expected
        let modules = try Self.quantizedModules(fixture)
        #expect(!modules.isEmpty)
        for module in modules {
            let weight = try base.tensor(named: "\(module).weight")
            let quantized = NF4Tensor(quantizing: weight)
            #expect(quantized.codes == (try expected.integers(named: "nf4_codes.\(module)")), "codes of \(module)")
            let absmax = try expected.tensor(named: "nf4_absmax.\(module)")
            let (_, rtol) = fixture.tolerance(for: "nf4_absmax.\(module)")
            #expect(quantized.blockAbsmax.count == absmax.count)
            for (mine, theirs) in zip(quantized.blockAbsmax, absmax.scalars) {
                #expect(abs(mine - theirs) <= rtol * abs(theirs), "absmax of \(module)")
            }
            #expect(try fixture.mismatch(quantized.dequantized(), expectedName: "quantized.\(module).weight") == nil)
        }
    }

    /// The base model with those weights stored as NF4 (dequantised per use by the linear layers)
    /// gives PEFT's logits of the quantised base with the adapter disabled.
    @Test func packedBaseGivesTheQuantizedLogits() throws {
        let fixture = try FixtureCase(Self.fixtureName)
        let (model, _) = try ModelLoader.load(directory: fixture.directory.appendingPathComponent("base"))
        for module in try Self.quantizedModules(fixture) {
            let parameter = try #require(model.module(at: module)?.parameter("weight"))
            try parameter.pack(FrozenWeight(packing: parameter.value(), as: .nf4), name: module)
            #expect(parameter.frozen?.format == .nf4 && parameter.tensor == nil)
        }
        let output = try GradMode.withoutGradients { try model.forward(fixture.input()) }
        #expect(try fixture.mismatch(#require(output.logits), expectedName: "logits_quantized") == nil)
    }
}
