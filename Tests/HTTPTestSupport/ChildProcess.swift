import Foundation
import Synchronization

private let launches = Mutex(())

/// Starts a child process, one launch at a time across the test run: two
/// `Process.run()` calls at once have crashed this toolchain's Foundation on
/// Linux (a bad read inside `run`), and the suites run in parallel.
public func launch(_ process: Process) throws {
    try launches.withLock { _ in try process.run() }
}
