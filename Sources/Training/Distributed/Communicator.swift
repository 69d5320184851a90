import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// This process's place in an MPI job (`MPI_COMM_WORLD`), and the few collectives data-parallel
/// training needs, each with a deadline: MPI's own calls wait forever for a rank that died or
/// hangs, so every operation here is started non-blocking and polled until `timeout` has passed,
/// then fails with a message naming what it waited for (and, where it can tell, which rank).
public final class Communicator {
    public let rank: Int
    public let size: Int
    /// How long a collective waits for the slowest rank (`LORAKIT_MPI_TIMEOUT` seconds, default 300).
    public let timeout: TimeInterval
    private let mpi: OpenMPILibrary
    private static let statusTag: Int32 = 17, decisionTag: Int32 = 18, rollCallTag: Int32 = 19, rollReplyTag: Int32 = 20
    /// On ranks after the first, a receive of rank 0's roll call, always posted and answered from
    /// every wait, so that rank 0 can tell which rank stopped answering during an all-reduce.
    private let rollCall = UnsafeMutablePointer<OpenMPILibrary.Request>.allocate(capacity: 1)
    private let rollCallBuffer = UnsafeMutablePointer<Double>.allocate(capacity: 2)

    /// The default for `timeout`: long enough for rank 0 to write a large checkpoint while the others wait.
    public static let defaultTimeout: TimeInterval = 300

    /// The size of the job this process was started in, from the launcher's environment: Open MPI's
    /// `mpirun` (`OMPI_COMM_WORLD_SIZE`), or a PMI launcher such as Slurm's `srun` (`PMI_SIZE`,
    /// `SLURM_NTASKS` with `PMIX_RANK`); nil when no launcher started it.
    public static func launchedSize(environment: [String: String]) -> Int? {
        if let size = environment["OMPI_COMM_WORLD_SIZE"] ?? environment["PMI_SIZE"] { return Int(size) }
        if environment["PMIX_RANK"] != nil { return environment["SLURM_NTASKS"].flatMap { Int($0) } }
        return nil
    }

    /// Joins the MPI job this process was launched into, or returns nil when it runs alone (no
    /// launcher, or a job of one process), so a plain `lorakit train` never touches MPI.
    public static func joinLaunchedJob(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Communicator? {
        guard let size = launchedSize(environment: environment), size > 1 else { return nil }
        var timeout = defaultTimeout
        if let text = environment["LORAKIT_MPI_TIMEOUT"] {
            guard let seconds = TimeInterval(text), seconds > 0 else {
                throw DistributedError("LORAKIT_MPI_TIMEOUT=\(text) is not a number of seconds above 0; unset it for \(Int(defaultTimeout)) s")
            }
            timeout = seconds
        }
        return try Communicator(library: OpenMPILibrary(environment: environment), timeout: timeout)
    }

    private init(library mpi: OpenMPILibrary, timeout: TimeInterval) throws {
        self.mpi = mpi
        self.timeout = timeout
        var flag: Int32 = 0
        _ = mpi.initialized(&flag)
        if flag == 0 {
            guard mpi.initialize(nil, nil) == 0 else { throw DistributedError("MPI_Init failed; check that lorakit was started by Open MPI's mpirun") }
        }
        var value: Int32 = 0
        _ = mpi.commRank(mpi.commWorld, &value)
        rank = Int(value)
        _ = mpi.commSize(mpi.commWorld, &value)
        size = Int(value)
        rollCall.initialize(to: nil)
        rollCallBuffer.initialize(repeating: 0, count: 2)
        if rank != 0 { postRollCall() }
    }

    private func postRollCall() {
        _ = mpi.irecv(rollCallBuffer, 1, mpi.double, 0, Self.rollCallTag, mpi.commWorld, rollCall)
    }

    /// Answers rank 0's roll call if one came (ranks after the first, from every wait).
    private func answerRollCall() {
        var done: Int32 = 0
        _ = mpi.test(rollCall, &done, nil)
        guard done != 0 else { return }
        var reply: OpenMPILibrary.Request = nil
        _ = mpi.isend(rollCallBuffer + 1, 1, mpi.double, 0, Self.rollReplyTag, mpi.commWorld, &reply)
        _ = mpi.requestFree(&reply)
        postRollCall()
    }

    /// How long rank 0 waits for the answers to a roll call, and the others keep answering after
    /// their own deadline so that rank 0's message, which names the silent rank, comes first.
    private var rollCallGrace: TimeInterval { min(timeout, 10) }

    /// Rank 0 asks every other rank to answer within `rollCallGrace`; returns those that did not.
    private func silentRanks() -> [Int] {
        let peers = size - 1
        let requests = UnsafeMutablePointer<OpenMPILibrary.Request>.allocate(capacity: 2 * peers)
        let replies = UnsafeMutablePointer<Double>.allocate(capacity: peers)
        requests.initialize(repeating: nil, count: 2 * peers)
        replies.initialize(repeating: 0, count: peers)
        defer { requests.deallocate(); replies.deallocate() }
        for peer in 1 ... peers {
            _ = mpi.irecv(replies + peer - 1, 1, mpi.double, Int32(peer), Self.rollReplyTag, mpi.commWorld, requests + peer - 1)
            _ = mpi.isend(rollCallBuffer, 1, mpi.double, Int32(peer), Self.rollCallTag, mpi.commWorld, requests + peers + peer - 1)
        }
        do {
            try wait(for: requests, count: peers, deadline: Date().addingTimeInterval(rollCallGrace)) { _ in "" }
            return []
        } catch {
            var silent: [Int] = []
            for peer in 1 ... peers {
                var done: Int32 = 0
                _ = mpi.test(requests + peer - 1, &done, nil)
                if done == 0 { silent.append(peer) }
            }
            return silent
        }
    }

    /// Sums `values` over all ranks, in place (`MPI_Allreduce` with `MPI_SUM`); `what` names the
    /// operation in the message if a rank does not join it in time.
    public func sumInPlace(_ values: UnsafeMutableBufferPointer<Float>, what: String) throws {
        try allreduce(UnsafeMutableRawPointer(values.baseAddress), count: values.count, type: mpi.float, what: what)
    }

    /// The sums of `values` over all ranks.
    public func sum(_ values: [Double], what: String) throws -> [Double] {
        var values = values
        try values.withUnsafeMutableBufferPointer {
            try allreduce(UnsafeMutableRawPointer($0.baseAddress), count: $0.count, type: mpi.double, what: what)
        }
        return values
    }

    private func allreduce(_ buffer: UnsafeMutableRawPointer?, count: Int, type: OpenMPILibrary.Handle, what: String) throws {
        guard count > 0 else { return }
        let deadline = Date().addingTimeInterval(rank == 0 ? timeout : timeout + rollCallGrace + 2)
        try withRequests(1) { request in
            try check(mpi.iallreduce(mpi.inPlace, buffer, Int32(count), type, mpi.sum, mpi.commWorld, request), "MPI_Iallreduce", what)
            do {
                try wait(for: request, count: 1, deadline: deadline) { _ in
                    "another rank did not finish \(what) within \(Self.seconds(timeout)) (it died or hangs); stopping the job"
                }
            } catch let error as DistributedError where rank == 0 {
                let silent = silentRanks()
                guard !silent.isEmpty else { throw error }
                throw DistributedError("rank \(silent.map(String.init).joined(separator: ", ")) did not finish \(what) within \(Self.seconds(timeout)) and does not answer (died or hangs); stopping the job")
            }
        }
    }

    /// What every rank learns from one status exchange: the sum of each field over the ranks, and
    /// the lowest rank whose field was not zero (nil where every rank gave zero).
    public struct Agreement: Equatable {
        public var sums: [Double]
        public var firstNonzeroRank: [Int?]
    }

    /// Every rank sends `status` to rank 0, which answers all with the sums and, per field, the first
    /// rank that raised it. Rank 0 waits for each rank by name, so a rank that died or hangs is
    /// named in the message; the others name rank 0 when it does not answer.
    public func agree(_ status: [Double], what: String) throws -> Agreement {
        let fields = status.count
        let deadline = Date().addingTimeInterval(timeout)
        var decision = [Double](repeating: 0, count: 2 * fields)
        if rank == 0 {
            // Row r of `received` is rank r's status.
            var received = status + [Double](repeating: 0, count: (size - 1) * fields)
            try withRequests(size - 1) { requests in
                try received.withUnsafeMutableBufferPointer { rows in
                    for peer in 1 ..< size {
                        try check(mpi.irecv(rows.baseAddress! + peer * fields, Int32(fields), mpi.double,
                                            Int32(peer), Self.statusTag, mpi.commWorld, requests + peer - 1), "MPI_Irecv", what)
                    }
                    try wait(for: requests, count: size - 1, deadline: deadline) { missing in
                        "rank \(missing.map { String($0 + 1) }.joined(separator: ", ")) did not reach \(what) within \(Self.seconds(timeout)) (died or hangs); stopping the job"
                    }
                }
            }
            for field in 0 ..< fields {
                let column = (0 ..< size).map { received[$0 * fields + field] }
                decision[field] = column.reduce(0, +)
                decision[fields + field] = Double(column.firstIndex { $0 != 0 } ?? -1)
            }
            try withRequests(size - 1) { requests in
                try decision.withUnsafeBufferPointer { answer in
                    for peer in 1 ..< size {
                        try check(mpi.isend(answer.baseAddress, Int32(answer.count), mpi.double, Int32(peer), Self.decisionTag, mpi.commWorld, requests + peer - 1), "MPI_Isend", what)
                    }
                    try wait(for: requests, count: size - 1, deadline: deadline) { missing in
                        "rank \(missing.map { String($0 + 1) }.joined(separator: ", ")) stopped listening at \(what) (died or hangs); stopping the job"
                    }
                }
            }
        } else {
            try withRequests(2) { requests in
                try status.withUnsafeBufferPointer { mine in
                    try decision.withUnsafeMutableBufferPointer { answer in
                        try check(mpi.isend(mine.baseAddress, Int32(fields), mpi.double, 0, Self.statusTag, mpi.commWorld, requests), "MPI_Isend", what)
                        try check(mpi.irecv(answer.baseAddress, Int32(answer.count), mpi.double, 0, Self.decisionTag, mpi.commWorld, requests + 1), "MPI_Irecv", what)
                        try wait(for: requests, count: 2, deadline: deadline) { _ in
                            "rank 0 did not answer at \(what) within \(Self.seconds(timeout)) (it died or hangs); stopping the job"
                        }
                    }
                }
            }
        }
        return Agreement(sums: Array(decision[..<fields]),
                         firstNonzeroRank: decision[fields...].map { $0 < 0 ? nil : Int($0) })
    }

    /// Ends every rank of the job at once (`MPI_Abort`), after printing `message` on this rank's
    /// standard error; used when this rank cannot go on and the others would otherwise wait.
    public func abort(_ message: String, code: Int32 = 1) -> Never {
        FileHandle.standardError.write(Data("lorakit: \(message)\n".utf8))
        _ = mpi.abort(mpi.commWorld, code)
        exit(code)
    }

    /// Leaves the job; every rank calls it once at the end.
    public func finalize() {
        if rank != 0 {
            _ = mpi.cancel(rollCall)
            _ = mpi.requestFree(rollCall)
        }
        _ = mpi.finalize()
    }

    private func check(_ code: Int32, _ call: String, _ what: String) throws {
        guard code == 0 else { throw DistributedError("\(call) failed (error \(code)) at \(what)") }
    }

    /// Calls `body` with `count` request slots that live for the call.
    private func withRequests<R>(_ count: Int, _ body: (UnsafeMutablePointer<OpenMPILibrary.Request>) throws -> R) rethrows -> R {
        let requests = UnsafeMutablePointer<OpenMPILibrary.Request>.allocate(capacity: max(count, 1))
        requests.initialize(repeating: nil, count: max(count, 1))
        defer { requests.deallocate() }
        return try body(requests)
    }

    /// Polls `count` requests until all complete, sleeping a little longer each round (up to a
    /// millisecond) so that a waiting rank leaves its core to a rank still computing; past
    /// `deadline` throws the message `timedOut` makes from the indices still pending.
    private func wait(for requests: UnsafeMutablePointer<OpenMPILibrary.Request>, count: Int, deadline: Date, timedOut: ([Int]) -> String) throws {
        var pending = Array(0 ..< count)
        var pause: UInt32 = 1
        while true {
            pending = pending.filter { index in
                var done: Int32 = 0
                _ = mpi.test(requests + index, &done, nil)
                return done == 0
            }
            if pending.isEmpty { return }
            if rank != 0 { answerRollCall() }
            if Date() > deadline { throw DistributedError(timedOut(pending)) }
            usleep(pause)
            pause = min(pause * 2, 1000)
        }
    }

    private static func seconds(_ interval: TimeInterval) -> String {
        interval == interval.rounded() ? "\(Int(interval)) s" : "\(interval) s"
    }
}
