import FixtureSupport
import Foundation
import Models
import Tensors
import Testing

/// `mpirun -np N lorakit train` as a user runs it: the same run as one process with the global
/// batch, resumable with another number of ranks, and ending cleanly when a rank dies or hangs.
@Suite(.enabled(if: MPIRun.unavailableReason == nil, "\(MPIRun.unavailableReason ?? "")"))
struct DataParallelTests {
    /// The `event: step` lines of a run's metrics.
    static func steps(_ run: URL) throws -> [[String: Any]] {
        try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").compactMap {
            let object = try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            return object?["event"] as? String == "step" ? object : nil
        }
    }

    @Test(arguments: ["train_lora_llama", "train_lora_gpt2"])
    func twoRanksOfHalfTheBatchGivePEFTsAdapterAfterThreeSteps(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let rows = try fixture.input().batch
        try #require(rows % 2 == 0, "\(name): the case's batch of \(rows) does not split over 2 ranks")
        let scratch = try ScratchFolder(), folder = scratch.url
        let output = folder.appendingPathComponent("out")
        try TrainFixtureReplayTests.recipe(fixture, adapter: "adapter", outputDirectory: output)
            .write(to: folder.appendingPathComponent("recipe.yaml"), atomically: true, encoding: .utf8)
        let result = try MPIRun.run(ranks: 2, ["train", "recipe.yaml", "--set", "batch_size=\(rows / 2)"], in: folder)
        #expect(result.status == 0, "mpirun lorakit train failed: \(result.output) \(result.error)")
        #expect(result.output.contains("batch_size \(rows / 2) per rank × 2 ranks × grad_accum 1 = global batch \(rows)"))
        let saved = try SafeTensorsFile(contentsOf: output.appendingPathComponent("adapter_model.safetensors"))
        let steps = fixture.caseInfo["steps"] as! Int
        let expectedNames = try fixture.expected.names.filter { $0.hasPrefix("after\(steps).") }
        #expect(!expectedNames.isEmpty)
        for expectedName in expectedNames {
            let key = String(expectedName.dropFirst("after\(steps).".count))
            let actual = try #require(try? saved.tensor(named: key), "\(name): the saved adapter has no \(key)")
            #expect(try fixture.mismatch(actual, expectedName: expectedName) == nil)
        }
        let losses = try Self.steps(output).compactMap { $0["loss"] as? Double }
        let expectedLosses = try #require(fixture.expectedJSON["losses"] as? [Double])
        #expect(losses.count == expectedLosses.count)
        for (loss, expected) in zip(losses, expectedLosses) { #expect(abs(loss - expected) <= 1e-5 + 1e-5 * abs(expected)) }
    }

    @Test func adaloraMasksOnTwoRanksAreOneProcesssMasks() throws {
        let fixture = try FixtureCase("adalora_llama_schedule")
        let rows = try fixture.input().batch
        let scratch = try ScratchFolder(), folder = scratch.url
        let output = folder.appendingPathComponent("out")
        try TrainFixtureReplayTests.recipe(fixture, adapter: "adapter_init", outputDirectory: output)
            .write(to: folder.appendingPathComponent("recipe.yaml"), atomically: true, encoding: .utf8)
        let result = try MPIRun.run(ranks: 2, ["train", "recipe.yaml", "--set", "batch_size=\(rows / 2)"], in: folder)
        #expect(result.status == 0, "mpirun lorakit train failed: \(result.output) \(result.error)")
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("adapter_config.json"))) as! [String: Any]
        let saved = try #require(config["rank_pattern"] as? [String: [Bool]])
        let expected = try #require(try fixture.expectedJSON["final_rank_pattern"] as? [String: [Bool]])
        #expect(saved == expected)
    }

    /// Padded rows of different lengths (so the ranks' slices hold different numbers of targets),
    /// with ids drawn below the fixture model's vocabulary.
    static func paddedData(vocabulary: Int, rows: Int, length: Int, to url: URL) throws {
        var generator = RandomGenerator(seed: 5)
        var ids: [Int] = [], mask: [Int] = []
        for _ in 0 ..< rows {
            let real = 3 + Int(generator.next() % UInt64(length - 2))
            ids += (0 ..< length).map { _ in Int(generator.next() % UInt64(vocabulary)) }
            mask += (0 ..< length).map { $0 < real ? 1 : 0 }
        }
        try SafeTensorsWriter.write(["input_ids": .int64(shape: [rows, length], values: ids),
                                     "attention_mask": .int64(shape: [rows, length], values: mask)], to: url)
    }

    @Test func lossCurveOfTwoRanksIsOneProcesssWithTheDoubledBatchAndResumesOnOneRank() throws {
        let fixture = try FixtureCase("train_lora_llama")
        let scratch = try ScratchFolder(), folder = scratch.url
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: fixture.directory.appendingPathComponent("base/config.json"))) as! [String: Any]
        try Self.paddedData(vocabulary: try #require(config["vocab_size"] as? Int), rows: 40, length: 10, to: folder.appendingPathComponent("data.safetensors"))
        try """
            model: \(fixture.directory.appendingPathComponent("base").path)
            adapter: \(fixture.directory.appendingPathComponent("adapter").path)
            data: data.safetensors
            eval_split: 0.2
            eval_every: 4
            max_steps: 8
            grad_accum: 2
            lr: 0.01
            schedule: cosine
            warmup: 2
            max_grad_norm: 0.5
            save_every: 4
            """.write(to: folder.appendingPathComponent("recipe.yaml"), atomically: true, encoding: .utf8)
        let one = try LorakitBinary.run(["train", "recipe.yaml", "--set", "output_dir=one", "--set", "batch_size=4"], in: folder)
        #expect(one.status == 0, "lorakit train failed: \(one.error)")
        let two = try MPIRun.run(ranks: 2, ["train", "recipe.yaml", "--set", "output_dir=two", "--set", "batch_size=2"], in: folder)
        #expect(two.status == 0, "mpirun lorakit train failed: \(two.output) \(two.error)")
        let resumed = try LorakitBinary.run(["train", "recipe.yaml", "--set", "output_dir=resumed", "--set", "batch_size=4",
                                             "--resume", "two/checkpoint-4"], in: folder)
        #expect(resumed.status == 0, "lorakit train --resume of the 2-rank checkpoint failed: \(resumed.error)")

        func curve(_ run: String, _ key: String) throws -> [Int: Double] {
            Dictionary(uniqueKeysWithValues: try Self.steps(folder.appendingPathComponent(run)).map { ($0["step"] as! Int, $0[key] as! Double) })
        }
        func close(_ a: Double?, _ b: Double?) -> Bool {
            guard let a, let b else { return false }
            return abs(a - b) <= 1e-5 + 1e-4 * abs(b)
        }
        for key in ["loss", "grad_norm", "learning_rate"] {
            let reference = try curve("one", key), parallel = try curve("two", key), continued = try curve("resumed", key)
            #expect(reference.count == 8 && parallel.count == 8 && continued.keys.sorted() == [5, 6, 7, 8])
            for step in 1 ... 8 { #expect(close(parallel[step], reference[step]), "\(key) at step \(step): 2 ranks \(parallel[step] ?? .nan), 1 rank \(reference[step] ?? .nan)") }
            for step in 5 ... 8 { #expect(close(continued[step], reference[step]), "\(key) at step \(step) after resuming: \(continued[step] ?? .nan), uninterrupted \(reference[step] ?? .nan)") }
        }
        let evaluations = { (run: String) in
            try String(contentsOf: folder.appendingPathComponent("\(run)/metrics.jsonl"), encoding: .utf8).split(separator: "\n")
                .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .filter { $0["event"] as? String == "eval" }.map { $0["eval_loss"] as! Double }
        }
        let (referenceEval, parallelEval) = (try evaluations("one"), try evaluations("two"))
        #expect(referenceEval.count == 2 && parallelEval.count == 2)
        for (a, b) in zip(parallelEval, referenceEval) { #expect(close(a, b)) }
        let reference = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("one/adapter_model.safetensors"))
        let parallel = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("two/adapter_model.safetensors"))
        #expect(Set(parallel.names) == Set(reference.names))
        for name in reference.names {
            let (a, b) = (try parallel.tensor(named: name).scalars, try reference.tensor(named: name).scalars)
            #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 + 1e-4 * abs($1) }, "\(name) differs between 2 ranks and 1")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("two/checkpoint-4/metrics.jsonl").path))
    }

    /// A long run on 2 ranks with a short collective timeout, started and left to write two checkpoints.
    static func startLongRun(in folder: URL) throws -> LorakitBinary.Job {
        let fixture = try FixtureCase("train_lora_llama")
        try TrainFixtureReplayTests.recipe(fixture, adapter: "adapter", outputDirectory: folder.appendingPathComponent("out"))
            .write(to: folder.appendingPathComponent("recipe.yaml"), atomically: true, encoding: .utf8)
        let job = try MPIRun.job(ranks: 2, ["train", "recipe.yaml", "--set", "batch_size=1", "--set", "max_steps=1000000", "--set", "save_every=5",
                                            "--set", "logging=1"], in: folder, environment: ["LORAKIT_MPI_TIMEOUT": "5"])
        let metrics = folder.appendingPathComponent("out/metrics.jsonl")
        let deadline = Date().addingTimeInterval(120)
        while job.process.isRunning, Date() < deadline,
              ((try? String(contentsOf: metrics, encoding: .utf8)) ?? "").components(separatedBy: "\"event\":\"saved\"").count < 3 {
            Thread.sleep(forTimeInterval: 0.05)
        }
        return job
    }

    /// The checkpoints a run left, each complete (its trainer state present, no partial folder).
    static func intactCheckpoints(_ folder: URL) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("out").path)
        #expect(!names.contains { $0.hasSuffix(".partial") })
        return names.filter {
            $0.hasPrefix("checkpoint-") && FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/\($0)/trainer_state.json").path)
        }
    }

    @Test func aHungRankEndsTheJobWithinTheTimeoutNamingIt() throws {
        let scratch = try ScratchFolder(), folder = scratch.url
        let job = try Self.startLongRun(in: folder)
        let rank1 = try #require(job.pid(ofRank: 1), "rank 1 of the job was not found")
        kill(rank1, SIGSTOP)
        let result = job.finish(limit: 120)
        kill(rank1, SIGKILL)
        #expect(job.process.terminationReason == .exit, "mpirun did not end the job by itself")
        #expect(result.status != 0)
        #expect((result.output + result.error).contains("rank 1 did not"), "\(result.output) \(result.error)")
        #expect(try !Self.intactCheckpoints(folder).isEmpty)
    }

    @Test func aKilledRankEndsTheJobNamingIt() throws {
        let scratch = try ScratchFolder(), folder = scratch.url
        let job = try Self.startLongRun(in: folder)
        let rank1 = try #require(job.pid(ofRank: 1), "rank 1 of the job was not found")
        kill(rank1, SIGKILL)
        let result = job.finish(limit: 120)
        #expect(job.process.terminationReason == .exit, "mpirun did not end the job by itself")
        #expect(result.status != 0)
        #expect((result.output + result.error).contains("process rank 1"), "\(result.output) \(result.error)")
        #expect(try !Self.intactCheckpoints(folder).isEmpty)
    }

    @Test func interruptingMpirunStopsEveryRankWithACheckpoint() throws {
        let scratch = try ScratchFolder(), folder = scratch.url
        let job = try Self.startLongRun(in: folder)
        kill(job.process.processIdentifier, SIGINT)
        let result = job.finish(limit: 120)
        #expect(job.process.terminationReason == .exit, "mpirun did not end the job by itself")
        #expect(result.output.contains("checkpoint written to") && result.output.contains("--resume"), "\(result.output) \(result.error)")
        #expect(result.output.contains("note: after a Ctrl-C, mpirun kills the ranks 10 s later"), "the short kill window (2 × 5 s) is not noted")
        let metrics = try String(contentsOf: folder.appendingPathComponent("out/metrics.jsonl"), encoding: .utf8)
        #expect(metrics.contains("\"reason\":\"stopped\""))
        #expect(try Self.intactCheckpoints(folder).count >= 3)
    }
}
