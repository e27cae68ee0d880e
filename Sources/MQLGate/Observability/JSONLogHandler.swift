import Foundation
import Logging
import Synchronization

/// A swift-log handler writing one JSON object per line, the format log
/// pipelines ingest without parsing rules. Callers keep e-mail addresses
/// and secrets out of messages and metadata at info level.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let sink: LineSink

    /// Where finished lines go; one lock so concurrent lines never interleave.
    final class LineSink: Sendable {
        private let lock = Mutex<Void>(())
        private let write: @Sendable (String) -> Void

        init(write: @escaping @Sendable (String) -> Void) { self.write = write }

        func emit(_ line: String) { lock.withLock { _ in write(line) } }

        static let standardError = LineSink { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
        self.sink = .standardError
    }

    init(label: String, level: Logger.Level, sink: LineSink) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("ts", Self.timestamp()),
            ("level", event.level.rawValue),
            ("logger", label),
            ("msg", event.message.description),
        ]
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        for key in merged.keys.sorted() { fields.append((key, merged[key]!.description)) }
        var line = "{"
        for (index, field) in fields.enumerated() {
            if index > 0 { line += "," }
            line += "\"\(Self.escape(field.0))\":\"\(Self.escape(field.1))\""
        }
        line += "}"
        sink.emit(line)
    }

    private static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon))
    }

    static func escape(_ text: String) -> String {
        var quoted: [UInt8] = []
        JSONWriter.writeString(text, into: &quoted)
        return String(decoding: quoted.dropFirst().dropLast(), as: UTF8.self)
    }

}
