import Foundation
import Testing
@testable import Workbench

/// `train ranks=N`: the session as a recipe, trained by `mpirun -np N lorakit train` and followed
/// through its metrics like any run.
@Suite struct RanksTrainingTests {
    @Test(.enabled(if: MPILaunch.findLauncher() != nil, "mpirun is not installed (openmpi-bin)"))
    func aTwoRankJobIsFollowedLikeAnyRunAndItsAdapterLoads() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TmuxEndToEndTests.lorakit.path), "lorakit must be built")
        let session = try TestSession()
        let said = try session.run("train ranks=2 max_steps=4 batch_size=2 seq_len=16 eval_every=2 eval_split=0.01")
        #expect(said.contains("training on 2 ranks: mpirun -np 2 lorakit train"), "\(said)")
        let job = try #require(session.controller.job)
        job.wait()
        let progress = job.progress
        #expect(progress.phase == .completed, "\(progress.phase) \(session.output())")
        #expect(progress.steps.map(\.step) == [1, 2, 3, 4] && progress.totalSteps == 4)
        #expect(!progress.evaluations.isEmpty)
        let screen = Screen.render(controller: session.controller, state: TUIState(), width: 120, height: 36)
        #expect(screen.contains("finished  step 4/4"), "\(screen.text)")
        #expect(try session.run("runs").contains("ranks2-1"))
        #expect(try session.run("adapter load \(job.outputDirectory.path) parallel").contains("parallel"))
        #expect(session.failure("train ranks=0").contains("ranks must be a whole number ≥ 1"))
        // `stop` ends every rank at the end of a step, with a checkpoint to resume from.
        try session.run("train ranks=2 max_steps=100000")
        let long = try #require(session.controller.job)
        try waitUntil("three steps on two ranks", seconds: 300) { long.progress.steps.count >= 3 || !long.progress.phase.isActive }
        try session.run("stop")
        long.wait()
        #expect(long.progress.phase == .stopped, "\(long.progress.phase)")
        let names = try FileManager.default.contentsOfDirectory(atPath: long.outputDirectory.path)
        #expect(names.contains { $0.hasPrefix("checkpoint-") }, "\(names)")
    }
}
