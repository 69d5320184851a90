extension Communicator {
    /// Runs `body` (building a run) on every rank and checks that every rank succeeded before any
    /// trains. When all failed (a bad recipe fails the same everywhere), each raises an agreed
    /// error with its own message, so rank 0 alone reports it; when only some failed, those raise
    /// their own error (the job is aborted from there) and the others an agreed one naming them.
    public func agreeOnSetup<T>(_ body: () throws -> T) throws -> T {
        let result = Result { try body() }
        var failed = false
        if case .failure = result { failed = true }
        let agreement = try agree([failed ? 1 : 0], what: "the start of the run")
        switch result {
        case let .failure(error):
            if agreement.sums[0] == Double(size) { throw DistributedError("\(error)", agreed: true) }
            throw error
        case let .success(made):
            if let failedRank = agreement.firstNonzeroRank[0] {
                throw DistributedError("rank \(failedRank) could not start the run (its message says why); every rank stopped", agreed: true)
            }
            return made
        }
    }
}
