import Testing
import Tuners

@Suite struct PeftTypeTests {
    @Test func readsPeftTypeStrings() {
        #expect(PeftType(peftString: "LORA") == .lora)
        #expect(PeftType(peftString: "AdaLoRA") == .adalora)
        #expect(PeftType(peftString: "PROMPT_TUNING") == nil)
    }
}
