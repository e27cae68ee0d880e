/// One problem in a model file, located by file, line and rule: `scoring.yaml:12: pricing_page: unknown key "pth"`.
public struct ModelError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file name given to the loader.
    public let file: String
    /// 1-based line (0 when unknown).
    public let line: Int
    /// 1-based column (0 when unknown).
    public let column: Int
    /// The rule or tier name, or the key path (`thresholds.mql`) outside rules.
    public let rule: String
    public let message: String

    public init(file: String, line: Int, column: Int = 0, rule: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.rule = rule
        self.message = message
    }

    /// `file:line: rule: message`.
    public var description: String { "\(file):\(line): \(rule): \(message)" }
}

/// A model that failed to load, with every problem found (sorted by line), not just the first.
public struct ModelLoadError: Error, Sendable, CustomStringConvertible {
    public let errors: [ModelError]

    public init(_ errors: [ModelError]) {
        self.errors = errors.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }

    /// One `file:line: rule: message` per line.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
