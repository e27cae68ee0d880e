import Synchronization

/// Generates `req_<prefix>-<counter>` ids: unique within and, through the
/// random prefix, across processes.
final class RequestIDSequence: Sendable {
    private let prefix: String
    private let counter = Atomic<UInt64>(0)

    init() {
        var generator = SystemRandomNumberGenerator()
        prefix = "req_" + String(generator.next() as UInt32, radix: 36) + "-"
    }

    func next() -> String {
        prefix + String(counter.wrappingAdd(1, ordering: .relaxed).newValue, radix: 36)
    }
}
