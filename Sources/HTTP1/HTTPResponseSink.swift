import Synchronization

/// Where a handler sends its one response. It may be called from any
/// thread, once; later calls are ignored. A sink dropped without a
/// response answers 500 so a buggy handler cannot hang a connection.
public final class HTTPResponseSink: Sendable {
    private let deliver: @Sendable (HTTPResponse) -> Void
    private let sent = Atomic<Bool>(false)

    /// A sink that hands the response to `deliver`; useful for composing
    /// responders (wrap the outer sink) and for tests.
    public init(_ deliver: @escaping @Sendable (HTTPResponse) -> Void) {
        self.deliver = deliver
    }

    /// Whether a response has been sent.
    public var isSent: Bool { sent.load(ordering: .acquiring) }

    public func send(_ response: HTTPResponse) {
        guard !sent.exchange(true, ordering: .acquiringAndReleasing) else { return }
        deliver(response)
    }

    deinit {
        if !sent.load(ordering: .acquiring) {
            deliver(.problem(.internalServerError, detail: "the handler produced no response"))
        }
    }
}
