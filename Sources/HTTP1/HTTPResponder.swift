/// Anything that answers requests. `respond` runs on an event-loop thread
/// and must not block: do slow work elsewhere and call `sink.send` later,
/// from any thread.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest, sink: HTTPResponseSink)
}
