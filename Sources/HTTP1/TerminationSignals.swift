import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Catches SIGTERM / SIGINT through Dispatch signal sources so the process
/// can shut down gracefully instead of dying mid-request. The handlers are
/// in place as soon as `init` returns.
public final class TerminationSignals: Sendable {
    private struct State {
        var received: Int32?
        var waiters: [CheckedContinuation<Int32, Never>] = []
    }

    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    private let shared = Shared()
    private let sources: [UnsafeSendableSource]

    public init(_ signals: [Int32] = [SIGTERM, SIGINT]) {
        let shared = self.shared
        let queue = DispatchQueue(label: "http1.signals")
        sources = signals.map { number in
            // The default action would end the process before the source saw the signal.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                let waiters = shared.state.withLock { state -> [CheckedContinuation<Int32, Never>] in
                    if state.received == nil { state.received = number }
                    defer { state.waiters = [] }
                    return state.waiters
                }
                waiters.forEach { $0.resume(returning: number) }
            }
            source.resume()
            return UnsafeSendableSource(source: source)
        }
    }

    deinit { sources.forEach { $0.source.cancel() } }

    /// Suspends until one of the signals has arrived; returns its number.
    public func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            let received = shared.state.withLock { state -> Int32? in
                if let received = state.received { return received }
                state.waiters.append(continuation)
                return nil
            }
            if let received { continuation.resume(returning: received) }
        }
    }

    /// Dispatch sources are thread-safe; the wrapper only says so to the compiler.
    private struct UnsafeSendableSource: @unchecked Sendable {
        let source: DispatchSourceSignal
    }
}
