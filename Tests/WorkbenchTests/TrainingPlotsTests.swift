import Foundation
import Testing
@testable import Workbench

/// What the training pane plots and exports: AdaLoRA's cross-entropy (not its regularised loss) so
/// train and eval compare, small learning-rate and gradient-norm plots beside the loss plot, a run's
/// metrics as CSV, and when the first report of a run with `logging` above 1 comes.
@Suite struct TrainingPlotsTests {
    @Test func adaloraPlotsAndListsItsCrossEntropy() throws {
        let session = try TestSession()
        for line in ["method adalora", "config set init_r 4", "config set target_r 2", "config set tinit 1", "config set tfinal 1", "config set orth_reg_weight 0.5"] {
            try session.run(line)
        }
        try session.run("train max_steps=4 batch_size=2 seq_len=16 eval_every=2 eval_split=0.01")
        session.controller.job?.wait()
        let progress = try #require(session.controller.job?.progress)
        let last = try #require(progress.steps.last)
        let crossEntropy = try #require(last.lossCE)
        #expect(crossEntropy < last.loss, "the regularised loss is the larger")
        let screen = Screen.render(controller: session.controller, state: TUIState(), width: 200, height: 60)
        #expect(screen.contains(String(format: "loss %.4f (with reg %.4f)", crossEntropy, last.loss)), "\(screen.text)")
        #expect(screen.contains("train (cross-entropy)"), "\(screen.text)")
        let record = try RunRecord(folder: try #require(session.controller.job?.outputDirectory))
        #expect(record.steps.map(\.loss) == progress.steps.map { $0.lossCE ?? .nan })
    }

    @Test func learningRateAndGradientNormPlotsSitBesideTheLossPlotWhenThereIsRoom() throws {
        let session = try TestSession()
        try session.train(steps: 6)
        let wide = Screen.render(controller: session.controller, state: TUIState(), width: 200, height: 60)
        let rows = (0 ..< wide.height).map { Array(wide.row($0)) }
        let gradRow = try #require(rows.firstIndex { String($0).contains("grad norm") }, "\(wide.text)")
        let column = try #require((0 ..< rows[gradRow].count - 9).first { String(rows[gradRow][$0 ..< $0 + 9]) == "grad norm" })
        // The lr plot's title is above, in the same column, and its axis is labelled in its own scale.
        let lrRow = try #require((0 ..< gradRow).last { String(rows[$0][column ..< column + 3]) == "lr " }, "\(wide.text)")
        #expect((lrRow ..< gradRow).contains { String(rows[$0][column...]).contains("e-04┤") }, "\(wide.text)")
        #expect(column > 100, "the small plots are right of the loss plot")
        let small = Screen.render(controller: session.controller, state: TUIState(), width: 80, height: 24)
        #expect(!small.contains("grad norm"), "\(small.text)")
    }

    @Test func aRunsMetricsExportAsCsvWithARowPerStep() throws {
        let session = try TestSession()
        try session.train(steps: 4)
        let file = session.folder.appendingPathComponent("metrics.csv")
        #expect(try session.run("runs export default-1 \(file.path)").hasPrefix("wrote \(file.path): 4 steps of default-1"))
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(Array(header.prefix(5)) == ["step", "loss", "learning_rate", "grad_norm", "tokens_per_second"], "\(header)")
        let evalColumn = try #require(header.firstIndex(of: "eval_loss"))
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.map { $0[0] } == ["1", "2", "3", "4"])
        #expect(rows.allSatisfy { $0.count == header.count })
        let progress = try #require(session.controller.job?.progress)
        #expect(rows.map { Double($0[1]) } == progress.steps.map(\.loss))
        #expect(rows[1][evalColumn] == MetricsCSV.format(try #require(progress.evaluations.first { $0.step == 2 }).loss))
        #expect(rows[0][evalColumn].isEmpty)
        #expect(session.failure("runs export default-1 \(file.path)").contains("--overwrite"))
        try session.run("runs export default-1 \(file.path) --overwrite")
    }

    /// Random and damaged metrics files: the CSV and the run list read what they can, never crash.
    @Test func damagedMetricsNeverCrashTheCsvOrTheRunList() {
        let valid = """
        {"event":"step","step":1,"loss":2.5,"learning_rate":0.001,"grad_norm":1.5}
        {"event":"eval","step":1,"eval_loss":2.75,"perplexity":15.6}
        {"event":"finished","step":1,"reason":"completed"}
        """
        var seeded = SplitMix(seed: 7)
        for round in 0 ..< 400 {
            var bytes = Array(valid.utf8)
            for _ in 0 ..< (round % 6) + 1 {
                let index = Int(seeded.next() % UInt64(bytes.count))
                switch seeded.next() % 3 {
                case 0: bytes[index] = UInt8(truncatingIfNeeded: seeded.next())
                case 1: bytes.remove(at: index)
                default: bytes.insert(UInt8(truncatingIfNeeded: seeded.next()), at: index)
                }
            }
            if round % 10 == 0 { bytes = (0 ..< Int(seeded.next() % 300)).map { _ in UInt8(truncatingIfNeeded: seeded.next()) } }
            let text = String(decoding: bytes, as: UTF8.self)
            let table = MetricsCSV.table(metrics: text)
            #expect(table.hasPrefix("step"))
            _ = RunRecord.parse(metrics: text)
        }
        #expect(MetricsCSV.table(metrics: valid) == "step,loss,learning_rate,grad_norm,eval_loss,perplexity\n1,2.5,0.001,1.5,2.75,15.6\n")
    }

    @Test func aRunWithSparseLoggingSaysWhenItsFirstReportComes() throws {
        let session = try TestSession()
        let output = try session.run("train max_steps=7 logging=3 batch_size=2 seq_len=16 eval_split=0")
        session.controller.job?.wait()
        #expect(output.contains("progress every 3 steps (logging=3), the first at step 3"), "\(output)")
    }
}

/// A small seeded generator (SplitMix64), so the fuzz cases are the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
