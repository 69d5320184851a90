import Foundation
import Testing

/// Waits for something a background thread does (a generation, a training job), polling every 10 ms,
/// and fails the test after `seconds` instead of hanging the suite.
func waitUntil(_ what: String, seconds: TimeInterval = 60, _ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        try #require(Date() < deadline, "timed out waiting for \(what)")
        Thread.sleep(forTimeInterval: 0.01)
    }
}
