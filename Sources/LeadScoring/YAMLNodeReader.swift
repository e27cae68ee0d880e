import Yams

/// Reads YAML nodes for the model loader, turning every mismatch into a located `ModelError` and carrying on.
struct YAMLNodeReader {
    let file: String
    var errors: [ModelError] = []

    init(file: String) {
        self.file = file
    }

    mutating func fail(_ node: Node?, _ context: String, _ message: String) {
        errors.append(ModelError(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, rule: context, message: message))
    }

    /// A mapping with string keys; keys outside `allowed` and missing `required` keys are reported.
    /// When the mapping has a `name`, problems are reported under that name rather than `context`.
    mutating func mapping(_ node: Node, _ context: String, allowed: [String], required: [String] = []) -> [String: Node]? {
        var context = context
        if allowed.contains("name"), let name = node.mapping?["name"]?.scalar?.string, !name.isEmpty, name.utf8.count <= 64 {
            context = name
        }
        guard let mapping = node.mapping else {
            fail(node, context, "expected a mapping with keys \(allowed.joined(separator: ", "))")
            return nil
        }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                fail(key, context, "keys must be plain names")
                continue
            }
            if allowed.contains(name) {
                result[name] = value
            } else {
                fail(key, context, "unknown key \"\(name)\"" + YAMLNodeReader.suggestion(for: name, among: allowed))
            }
        }
        for name in required where result[name] == nil {
            fail(node, context, "missing required key \"\(name)\"")
        }
        return result
    }

    mutating func sequence(_ node: Node, _ context: String, _ what: String) -> [Node]? {
        guard let sequence = node.sequence else {
            fail(node, context, "\(what) must be a list")
            return nil
        }
        return Array(sequence)
    }

    /// A scalar as text (quoted or not); `null` and collections are reported.
    mutating func string(_ node: Node, _ context: String, _ what: String) -> String? {
        guard let scalar = node.scalar, !YAMLNodeReader.isNull(scalar) else {
            fail(node, context, "\(what) must be a single value")
            return nil
        }
        return scalar.string
    }

    mutating func number(_ node: Node, _ context: String, _ what: String) -> Double? {
        guard let scalar = node.scalar, let value = Double(scalar.string.trimmingWhitespace), value.isFinite else {
            fail(node, context, "\(what) must be a number")
            return nil
        }
        return value
    }

    mutating func integer(_ node: Node, _ context: String, _ what: String) -> Int? {
        guard let scalar = node.scalar, let value = Int(scalar.string.trimmingWhitespace) else {
            fail(node, context, "\(what) must be a whole number")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node, _ context: String, _ what: String) -> Bool? {
        switch node.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            fail(node, context, "\(what) must be true or false")
            return nil
        }
    }

    /// A list of scalars; a single scalar reads as a one-element list when `allowSingle`.
    mutating func strings(_ node: Node, _ context: String, _ what: String, allowSingle: Bool = false) -> [String]? {
        if allowSingle, let scalar = node.scalar, !YAMLNodeReader.isNull(scalar) { return [scalar.string] }
        guard let sequence = node.sequence else {
            fail(node, context, "\(what) must be a list" + (allowSingle ? " or a single value" : ""))
            return nil
        }
        var values: [String] = []
        for item in sequence {
            guard let scalar = item.scalar, !YAMLNodeReader.isNull(scalar) else {
                fail(item, context, "entries of \(what) must be single values")
                continue
            }
            values.append(scalar.string)
        }
        return values
    }

    static func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// `; did you mean "path"?` for a near miss.
    static func suggestion(for name: String, among candidates: [String]) -> String {
        let best = candidates.map { ($0, editDistance(name, $0)) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(1, name.count / 3) else { return "" }
        return "; did you mean \"\(best.0)\"?"
    }

    /// Levenshtein distance, for "did you mean" hints on short keys.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
