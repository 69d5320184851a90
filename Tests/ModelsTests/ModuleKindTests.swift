import Models
import Testing

@Suite struct ModuleKindTests {
    @Test func linearLikeKindsAreThoseAllLinearSelects() {
        #expect(ModuleKind.allCases.filter(\.isLinearLike) == [.linear, .conv1D])
    }

    @Test func kindsCarryPyTorchClassNames() {
        #expect(ModuleKind(rawValue: "Conv1D") == .conv1D)
        #expect(ModuleKind.rmsNorm.rawValue == "RMSNorm")
    }
}
