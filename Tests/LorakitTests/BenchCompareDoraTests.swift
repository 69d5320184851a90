import Testing

/// `lorakit bench train --compare-dora` as a user runs it: a LoRA and a DoRA trainer take steps in
/// turn and the overhead line counts every timed pair; flags it cannot honour are refused by name.
@Suite struct BenchCompareDoraTests {
    static let shape = ["bench", "train", "--arch", "llama", "--layers", "1", "--width", "64", "--seq", "16", "--batch", "4", "--vocab", "128"]

    @Test func theOverheadLineCountsEveryTimedStepPair() throws {
        let result = try LorakitBinary.run(Self.shape + ["--steps", "3", "--warmup", "1", "--compare-dora"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("with and without DoRA, in turn"), "\(result.output)")
        #expect(result.output.contains(#/DoRA overhead -?[0-9]+\.[0-9]% \(median of 3 step pairs; quartiles /#), "\(result.output)")
    }

    @Test(arguments: [(["--method", "loha"], "--dora and --compare-dora need --method lora, got loha"),
                      (["--dora"], "--compare-dora times both sides itself: leave out --dora and --profile"),
                      (["--steps", "0"], "--compare-dora needs at least one timed step, got --steps 0")])
    func flagsItCannotHonourAreRefused(_ extra: [String], _ message: String) throws {
        let result = try LorakitBinary.run(Self.shape + ["--compare-dora"] + extra)
        #expect(result.status != 0)
        #expect(result.error.contains(message), "\(result.error)")
    }
}
