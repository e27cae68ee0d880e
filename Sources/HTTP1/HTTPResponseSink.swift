import Synchronization

/// Where a handler sends its one response. It may be called from any
/// thread, once; later calls are ignored. A sink dropped without a
/// response answers 500 so a buggy handler cannot hang a connection.
public final class HTTPResponseSink: Sendable {
    private let deliver: @Sendable (HTTPResponse) -> Void
    private let sent = Atomic<Bool>(false)
    /// The loop the request arrived on, for `afterReadyEvents`; nil for a sink made outside one.
    private let loop: EventLoop?

    /// A sink that hands the response to `deliver`; useful for tests.
    public init(_ deliver: @escaping @Sendable (HTTPResponse) -> Void) {
        self.deliver = deliver
        loop = nil
    }

    /// A sink that hands the response to `deliver` and otherwise stands
    /// for `outer` (same loop for `afterReadyEvents`): for responders that
    /// wrap the sink they were given.
    public init(wrapping outer: HTTPResponseSink, _ deliver: @escaping @Sendable (HTTPResponse) -> Void) {
        self.deliver = deliver
        loop = outer.loop
    }

    init(loop: EventLoop, _ deliver: @escaping @Sendable (HTTPResponse) -> Void) {
        self.deliver = deliver
        self.loop = loop
    }

    /// Runs `work` on the event loop the request arrived on once the loop
    /// has handled every event that was ready together with it, just before
    /// it waits for more; at once when called off that loop's thread or on
    /// a sink no loop made.
    ///
    /// For handlers that pass work on to another thread: the requests of a
    /// burst are then handed over together (one batch, one wake-up of that
    /// thread) instead of the first waking it for a batch of one while the
    /// rest are still being read.
    public func afterReadyEvents(_ work: @escaping () -> Void) {
        guard let loop, loop.isCurrent else { return work() }
        loop.afterReadyEvents(work)
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
