#if canImport(Glibc)
import Glibc
#endif
import CEpoll

/// A POSIX thread of its own for one event loop, for as long as the loop runs.
///
/// Not a Dispatch worker: an event loop never gives its thread back, and
/// Dispatch's pool on Linux stops at about 255 threads, so a process with
/// many servers (a test run has had 250 loops alive at once) would leave the
/// newest loops without a thread and their connections unserved.
enum LoopThread {
    private final class Start {
        let name: String
        let body: () -> Void
        init(name: String, body: @escaping () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts `body` on a new detached thread, named for the kernel (`top -H`, `perf`).
    static func start(name: String, _ body: @escaping @Sendable () -> Void) throws {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let start = Unmanaged.passRetained(Start(name: name, body: body))
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { argument in
            let start = Unmanaged<Start>.fromOpaque(argument!).takeRetainedValue()
            cepoll_name_thread(start.name)
            start.body()
            return nil
        }, start.toOpaque())
        guard status == 0 else {
            start.release()
            throw HTTPServerError.system("cannot start the event loop thread \(name)", status)
        }
    }
}
