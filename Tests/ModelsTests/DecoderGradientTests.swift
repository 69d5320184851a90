import FixtureSupport
import Foundation
import Models
import Tensors
import Testing

/// The tape's gradients through whole models of every decoder family (sliding windows, partial
/// and scaled rotary tables, Gemma's norms and embedding scale, Phi-3's fused projections)
/// against central differences of the causal-LM loss.
@Suite struct DecoderGradientTests {
    @Test(arguments: BaseModelParityTests.rotaryCases)
    func parameterGradientsMatchFiniteDifferences(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let model = try ModelLoader.load(directory: fixture.directory.appendingPathComponent("base")).model
        let input = try fixture.input()
        let labels = zip(input.ids, input.attentionMask!).map { $1 == 0 ? -100 : $0 }
        let parameters = model.namedParameters()
        for (_, parameter) in parameters { parameter.requiresGrad = true }
        try model.forward(input).logits!.causalLMLoss(labels: labels).backward()
        func loss() throws -> Double {
            try GradMode.withoutGradients { Double(try model.forward(input).logits!.causalLMLoss(labels: labels).scalars[0]) }
        }
        let h: Float = 1e-2
        for (parameterName, parameter) in parameters {
            let tensor = try parameter.value(), gradient = try #require(tensor.grad, "\(parameterName) got no gradient")
            for element in Set([0, tensor.count / 2 + 1, tensor.count - 1]) {
                let original = tensor.scalars[element]
                tensor.withUnsafeMutableBufferPointer { $0[element] = original + h }
                let plus = try loss()
                tensor.withUnsafeMutableBufferPointer { $0[element] = original - h }
                let minus = try loss()
                tensor.withUnsafeMutableBufferPointer { $0[element] = original }
                let numeric = (plus - minus) / (2 * Double(h)), analytic = Double(gradient.scalars[element])
                #expect(abs(numeric - analytic) <= 2e-4 + 2e-2 * abs(numeric), "\(name) \(parameterName)[\(element)]: tape \(analytic), finite difference \(numeric)")
            }
        }
    }
}
