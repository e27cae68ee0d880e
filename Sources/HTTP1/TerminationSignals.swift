import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Waits for SIGTERM / SIGINT through Dispatch signal sources, so the
/// process can shut down gracefully instead of dying mid-request.
public enum TerminationSignals {
    /// Suspends until one of `signals` arrives and returns its number.
    public static func wait(for signals: [Int32] = [SIGTERM, SIGINT]) async -> Int32 {
        let queue = DispatchQueue(label: "http1.signals")
        return await withCheckedContinuation { continuation in
            let box = SourceBox()
            queue.sync {
                for number in signals {
                    // The default action would kill the process before the source sees it.
                    signal(number, SIG_IGN)
                    let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                    source.setEventHandler {
                        guard !box.fired else { return }
                        box.fired = true
                        box.sources.forEach { $0.cancel() }
                        continuation.resume(returning: number)
                    }
                    source.resume()
                    box.sources.append(source)
                }
            }
        }
    }

    /// The sources stay alive, and fire once, under the queue's protection.
    private final class SourceBox: @unchecked Sendable {
        var sources: [DispatchSourceSignal] = []
        var fired = false
    }
}
