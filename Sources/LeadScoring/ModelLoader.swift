import Foundation
import Yams

/// Turns the YAML text of a model (spec §5.1) into a `ScoringModel`, or reports every problem in it.
///
/// The loader does no I/O: it takes the text and the file name to put in
/// error messages. Unknown keys, bad regular expressions, non-positive
/// half-lives, unknown fields and lists, duplicate rule names, bad
/// durations and unknown time zones are all errors, each naming file, line
/// and rule, and all of them are collected before failing.
public enum ModelLoader {
    /// Largest magnitude of `points` a rule may award.
    public static let maxPoints: Double = 1000

    public static func load(yaml: String, file: String) throws(ModelLoadError) -> ScoringModel {
        var reader = YAMLNodeReader(file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ModelLoadError([ModelError(file: file, line: 1, rule: "model", message: "the file is empty")])
            }
            root = node
        } catch let error as ModelLoadError {
            throw error
        } catch {
            throw ModelLoadError([syntaxError(error, file: file)])
        }
        var parse = ModelParse(reader: reader)
        let model = parse.model(root, source: yaml)
        reader = parse.reader
        guard let model, reader.errors.isEmpty else { throw ModelLoadError(reader.errors) }
        return model
    }

    /// The top-level keys of a YAML document, in order, after checking its syntax. Tells a model file
    /// (`version`, `fit`, …) from another configuration file without loading either.
    public static func topLevelKeys(yaml: String, file: String) throws(ModelLoadError) -> [String] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ModelLoadError([syntaxError(error, file: file)])
        }
        return root?.mapping?.keys.compactMap { $0.scalar?.string } ?? []
    }

    static func syntaxError(_ error: any Error, file: String) -> ModelError {
        switch error {
        case YamlError.scanner(let context, let problem, let mark, _),
             YamlError.parser(let context, let problem, let mark, _),
             YamlError.composer(let context, let problem, let mark, _):
            let text = context.map { "\(problem) \($0.text)" } ?? problem
            return ModelError(file: file, line: mark.line, column: mark.column, rule: "yaml", message: text)
        case YamlError.duplicatedKeysInMapping(let duplicates, let context):
            return ModelError(file: file, line: context.mark.line, column: context.mark.column, rule: "yaml",
                              message: "duplicate key \(duplicates.map { "\"\($0)\"" }.joined(separator: ", "))")
        case YamlError.reader(let problem, _, _, _):
            return ModelError(file: file, line: 1, rule: "yaml", message: problem)
        default:
            return ModelError(file: file, line: 1, rule: "yaml", message: String(describing: error))
        }
    }
}

/// One pass over a model document.
private struct ModelParse {
    var reader: YAMLNodeReader
    var lists: [String: [String]] = [:]
    var ruleNames: [String: Int] = [:]

    static let fitConditionKeys = ["equals", "in", "in_list", "matches", "between", "contains_any", "exists"]

    init(reader: YAMLNodeReader) {
        self.reader = reader
    }

    mutating func fail(_ node: Node?, _ context: String, _ message: String) { reader.fail(node, context, message) }

    mutating func model(_ root: Node, source: String) -> ScoringModel? {
        guard let top = reader.mapping(root, "model",
                                       allowed: ["version", "lists", "fit", "engagement", "thresholds", "grades", "sla"],
                                       required: ["version", "fit", "engagement", "thresholds", "grades"])
        else { return nil }

        var version = ""
        if let node = top["version"], let text = reader.string(node, "version", "version") {
            version = text.trimmingWhitespace
            if version.isEmpty || version.count > 100 { fail(node, "version", "version must be 1 to 100 characters") }
        }
        if let node = top["lists"] { readLists(node) }
        var fitRules: [FitRule] = []
        if let node = top["fit"] { fitRules = readFitRules(node) }
        var halfLife = 30.0
        var engagementRules: [EngagementRule] = []
        if let node = top["engagement"] { (halfLife, engagementRules) = readEngagement(node) }
        let thresholds = top["thresholds"].flatMap { readThresholds($0, engagementRules: engagementRules) }
        var grades: GradeBands?
        if let node = top["grades"] { grades = readGrades(node) }
        var sla: SLAPolicy?
        if let node = top["sla"] { sla = readSLA(node) }

        guard reader.errors.isEmpty, let thresholds, let grades else { return nil }
        return ScoringModel(version: version, fingerprint: ScoringModel.fnv1a(source), lists: lists, fitRules: fitRules,
                            engagementRules: engagementRules, halfLifeDays: halfLife, thresholds: thresholds,
                            grades: grades, sla: sla)
    }

    // MARK: lists

    mutating func readLists(_ node: Node) {
        guard let mapping = node.mapping else {
            fail(node, "lists", "lists must map names to lists of values")
            return
        }
        for (key, value) in mapping {
            let name = key.scalar?.string ?? ""
            guard isIdentifier(name) else {
                fail(key, "lists", "list names use letters, digits, '_', '-' and '.'")
                continue
            }
            guard let values = reader.strings(value, "lists.\(name)", "list \(name)") else { continue }
            if values.isEmpty { fail(value, "lists.\(name)", "list \(name) is empty") }
            lists[name] = values.map { $0.trimmingWhitespace.lowercased() }
        }
    }

    // MARK: names

    func isIdentifier(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.utf8.allSatisfy { b in
            (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) || b == 95 || b == 45 || b == 46
        }
    }

    /// The rule's name for messages (its position when the name is missing or bad), registering it for uniqueness.
    mutating func ruleName(_ fields: [String: Node], _ node: Node, fallback: String) -> String {
        guard let nameNode = fields["name"], let name = reader.string(nameNode, fallback, "name") else { return fallback }
        guard isIdentifier(name) else {
            fail(nameNode, fallback, "rule names use letters, digits, '_', '-' and '.' (at most 64)")
            return fallback
        }
        if let firstLine = ruleNames[name] {
            fail(nameNode, name, "duplicate rule name (first defined on line \(firstLine))")
        } else {
            ruleNames[name] = nameNode.mark?.line ?? 0
        }
        return name
    }

    mutating func points(_ node: Node, _ context: String, _ what: String = "points") -> Points? {
        guard let value = reader.number(node, context, what) else { return nil }
        guard abs(value) <= ModelLoader.maxPoints else {
            fail(node, context, "\(what) must be between -\(Int(ModelLoader.maxPoints)) and \(Int(ModelLoader.maxPoints))")
            return nil
        }
        let points = Points(value)
        if abs(points.value - value) > 1e-9 { fail(node, context, "\(what) have at most two decimals") }
        return points
    }

    // MARK: fit

    mutating func readFitRules(_ node: Node) -> [FitRule] {
        guard let items = reader.sequence(node, "fit", "fit") else { return [] }
        var rules: [FitRule] = []
        for (index, item) in items.enumerated() {
            guard let fields = reader.mapping(item, "fit[\(index)]",
                                              allowed: ["name", "field", "points", "disqualify"] + ModelParse.fitConditionKeys,
                                              required: ["name", "field"])
            else { continue }
            let name = ruleName(fields, item, fallback: "fit[\(index)]")
            if let rule = readFitRule(fields, item, name: name) { rules.append(rule) }
        }
        return rules
    }

    mutating func readFitRule(_ fields: [String: Node], _ node: Node, name: String) -> FitRule? {
        var field: LeadField?
        if let fieldNode = fields["field"], let text = reader.string(fieldNode, name, "field") {
            field = LeadField(name: text)
            if field == nil {
                fail(fieldNode, name, "unknown field \"\(text)\"" + YAMLNodeReader.suggestion(for: text, among: LeadField.knownNames)
                     + " (fields: \(LeadField.knownNames.joined(separator: ", ")))")
            }
        }
        var disqualifies = false
        if let flag = fields["disqualify"] { disqualifies = reader.bool(flag, name, "disqualify") ?? false }
        var points = Points.zero
        if let pointsNode = fields["points"] {
            points = self.points(pointsNode, name) ?? .zero
        } else if !disqualifies {
            fail(node, name, "missing required key \"points\" (only a rule with disqualify: true may omit it)")
        }

        let present = ModelParse.fitConditionKeys.filter { fields[$0] != nil }
        guard present.count == 1, let key = present.first, let valueNode = fields[key] else {
            fail(node, name, present.isEmpty
                 ? "a fit rule needs one condition: \(ModelParse.fitConditionKeys.joined(separator: ", "))"
                 : "a fit rule has exactly one condition, found \(present.joined(separator: " and "))")
            return nil
        }
        var condition: FitCondition?
        switch key {
        case "equals":
            condition = reader.string(valueNode, name, "equals").map(FitCondition.equals)
        case "in":
            if let values = reader.strings(valueNode, name, "in") {
                if values.isEmpty { fail(valueNode, name, "in needs at least one value") }
                condition = .oneOf(Set(values.map { $0.trimmingWhitespace.lowercased() }))
            }
        case "in_list":
            if let list = reader.string(valueNode, name, "in_list") {
                if let values = lists[list] {
                    condition = .inList(name: list, values: Set(values))
                } else {
                    fail(valueNode, name, "unknown list \"\(list)\"" + (lists.isEmpty ? " (the model defines no lists:)" : " (lists: \(lists.keys.sorted().joined(separator: ", ")))"))
                }
            }
        case "matches":
            if let pattern = reader.string(valueNode, name, "matches") {
                do {
                    condition = .matches(try FitPattern(pattern))
                } catch {
                    fail(valueNode, name, "invalid regular expression '\(pattern)': \(ModelParse.regexProblem(error))")
                }
            }
        case "between":
            condition = readBetween(valueNode, name: name)
            if let field, !field.canBeNumeric {
                fail(valueNode, name, "between needs a numeric field (company_size, attributes.<name>), not \(field)")
            }
        case "contains_any":
            if let values = reader.strings(valueNode, name, "contains_any") {
                if values.isEmpty { fail(valueNode, name, "contains_any needs at least one value") }
                condition = .containsAny(Set(values.map { $0.trimmingWhitespace.lowercased() }))
            }
        default:  // exists
            condition = reader.bool(valueNode, name, "exists").map(FitCondition.exists)
        }
        guard let field, let condition else { return nil }
        return FitRule(name: name, field: field, condition: condition, points: points, disqualifies: disqualifies, line: node.mark?.line ?? 0)
    }

    mutating func readBetween(_ node: Node, name: String) -> FitCondition? {
        guard let items = node.sequence, items.count == 2 else {
            fail(node, name, "between takes [low, high] (use null for an open end)")
            return nil
        }
        var bounds: [Double?] = []
        for item in items {
            if let scalar = item.scalar, YAMLNodeReader.isNull(scalar) { bounds.append(nil); continue }
            guard let value = reader.number(item, name, "between bounds") else { return nil }
            bounds.append(value)
        }
        if let low = bounds[0], let high = bounds[1], low > high {
            fail(node, name, "between [low, high] needs low ≤ high")
            return nil
        }
        if bounds[0] == nil, bounds[1] == nil { fail(node, name, "between needs at least one bound") }
        return .between(bounds[0], bounds[1])
    }

    static func regexProblem(_ error: any Error) -> String {
        let nsError = error as NSError
        if let detail = nsError.userInfo["NSInvalidValue"] { return "\(detail)" }
        return nsError.localizedDescription
    }

    // MARK: engagement

    mutating func readEngagement(_ node: Node) -> (Double, [EngagementRule]) {
        guard let fields = reader.mapping(node, "engagement", allowed: ["half_life_days", "rules"], required: ["half_life_days", "rules"])
        else { return (30, []) }
        var halfLife = 30.0
        if let hl = fields["half_life_days"], let value = reader.number(hl, "engagement.half_life_days", "half_life_days") {
            if value < 0.001 || value > 3650 {
                fail(hl, "engagement.half_life_days", "half_life_days must be positive (at least 0.001 and at most 3650)")
            } else {
                halfLife = value
            }
        }
        var rules: [EngagementRule] = []
        if let rulesNode = fields["rules"], let items = reader.sequence(rulesNode, "engagement.rules", "rules") {
            for (index, item) in items.enumerated() {
                let fallback = "engagement.rules[\(index)]"
                guard let ruleFields = reader.mapping(item, fallback,
                                                      allowed: ["name", "type", "path", "properties", "points", "max", "once", "distinct_days", "within_days"],
                                                      required: ["name", "type", "points"])
                else { continue }
                let name = ruleName(ruleFields, item, fallback: fallback)
                if let rule = readEngagementRule(ruleFields, item, name: name) { rules.append(rule) }
            }
        }
        return (halfLife, rules)
    }

    mutating func readEngagementRule(_ fields: [String: Node], _ node: Node, name: String) -> EngagementRule? {
        var ok = true
        var types: [String] = []
        if let typeNode = fields["type"], let values = reader.strings(typeNode, name, "type", allowSingle: true) {
            for raw in values {
                let type = raw.trimmingWhitespace.lowercased()
                if EngagementEvent.isValidType(type) { if !types.contains(type) { types.append(type) } }
                else { fail(typeNode, name, "invalid event type \"\(raw)\" (letters, digits, '_', '-', '.', ':')"); ok = false }
            }
            if values.isEmpty { fail(typeNode, name, "type needs at least one event type"); ok = false }
        } else { ok = false }

        var path: PathGlob?
        if let pathNode = fields["path"], let text = reader.string(pathNode, name, "path") {
            if text.hasPrefix("/") || text.hasPrefix("*") { path = PathGlob(text) }
            else { fail(pathNode, name, "path globs match page paths, so they start with '/' or '*' (e.g. \"/pricing*\")"); ok = false }
        }

        var properties: [PropertyCondition] = []
        if let propsNode = fields["properties"] {
            if let mapping = propsNode.mapping {
                for (key, value) in mapping {
                    let propertyName = key.scalar?.string ?? ""
                    if propertyName == "path" || propertyName == "url" {
                        fail(key, name, "match pages with path: (a glob over properties.path or the path of properties.url)")
                        ok = false
                        continue
                    }
                    guard !propertyName.isEmpty, let values = reader.strings(value, name, "properties.\(propertyName)", allowSingle: true)
                    else { ok = false; continue }
                    properties.append(PropertyCondition(key: propertyName, values: Set(values.map { $0.trimmingWhitespace })))
                }
                properties.sort { $0.key < $1.key }
            } else {
                fail(propsNode, name, "properties must map property names to a value or a list of values")
                ok = false
            }
        }

        var points = Points.zero
        if let pointsNode = fields["points"] {
            if let value = self.points(pointsNode, name) {
                points = value
                if value == .zero { fail(pointsNode, name, "points must not be zero"); ok = false }
            } else { ok = false }
        }

        var cap: Points?
        if let maxNode = fields["max"] {
            if let value = self.points(maxNode, name, "max"), value > .zero { cap = value }
            else { fail(maxNode, name, "max caps the rule's total and must be positive (for negative rules it caps the magnitude)"); ok = false }
        }

        var once = false
        if let onceNode = fields["once"] { once = reader.bool(onceNode, name, "once") ?? false }

        var frequency: FrequencyRule?
        switch (fields["distinct_days"], fields["within_days"]) {
        case (nil, nil):
            break
        case let (distinctNode?, withinNode?):
            let distinct = reader.integer(distinctNode, name, "distinct_days")
            let within = reader.integer(withinNode, name, "within_days")
            if let distinct, let within {
                if distinct < 1 || distinct > 366 { fail(distinctNode, name, "distinct_days must be between 1 and 366"); ok = false }
                else if within < distinct || within > 366 { fail(withinNode, name, "within_days must be at least distinct_days (\(distinct)) and at most 366"); ok = false }
                else { frequency = FrequencyRule(distinctDays: distinct, withinDays: within) }
            } else { ok = false }
        case (let distinctNode, let withinNode):
            fail(distinctNode ?? withinNode, name, "a frequency rule needs both distinct_days and within_days")
            ok = false
        }

        guard ok else { return nil }
        return EngagementRule(name: name, types: types, path: path, properties: properties, points: points, cap: cap,
                              once: once, frequency: frequency, line: node.mark?.line ?? 0)
    }

    // MARK: thresholds and grades

    mutating func readThresholds(_ node: Node, engagementRules: [EngagementRule]) -> Thresholds? {
        let context = "thresholds"
        guard let fields = reader.mapping(node, context, allowed: ["mql", "min_fit", "min_signals", "recycle", "recycle_cooldown_days"],
                                          required: ["mql"])
        else { return nil }
        let mql = fields["mql"].flatMap { threshold($0, "thresholds.mql") }
        let minFit = fields["min_fit"].flatMap { threshold($0, "thresholds.min_fit") }
        var minSignals = 0
        if let n = fields["min_signals"], let value = reader.integer(n, "thresholds.min_signals", "min_signals") {
            let positive = engagementRules.filter { $0.points > .zero }.count
            if value < 0 { fail(n, "thresholds.min_signals", "min_signals must be 0 or more") }
            else if value > positive { fail(n, "thresholds.min_signals", "min_signals \(value) can never be met: only \(positive) engagement rules award positive points") }
            else { minSignals = value }
        }
        let recycle = fields["recycle"].flatMap { threshold($0, "thresholds.recycle") }
        if let recycle, let mql, recycle >= mql, let n = fields["recycle"] {
            fail(n, "thresholds.recycle", "recycle (\(recycle)) must be below mql (\(mql)), or MQLs would recycle and requalify at once")
        }
        var cooldown: Double?
        if let n = fields["recycle_cooldown_days"], let value = reader.number(n, "thresholds.recycle_cooldown_days", "recycle_cooldown_days") {
            if value < 0 { fail(n, "thresholds.recycle_cooldown_days", "recycle_cooldown_days must be 0 or more") } else { cooldown = value }
        }
        guard let mql else { return nil }
        return Thresholds(mql: mql, minFit: minFit, minSignals: minSignals, recycle: recycle, recycleCooldownDays: cooldown)
    }

    mutating func threshold(_ node: Node, _ context: String) -> Points? {
        guard let value = reader.number(node, context, context.split(separator: ".").last.map(String.init) ?? context) else { return nil }
        guard abs(value) <= 1_000_000 else { fail(node, context, "out of range"); return nil }
        return Points(value)
    }

    mutating func readGrades(_ node: Node) -> GradeBands? {
        guard let fields = reader.mapping(node, "grades", allowed: ["fit", "engagement"], required: ["fit", "engagement"]),
              let fitNode = fields["fit"], let engagementNode = fields["engagement"] else { return nil }
        let fit = bands(fitNode, "grades.fit", keys: ["A", "B", "C"], below: "D")
        let engagement = bands(engagementNode, "grades.engagement", keys: ["1", "2", "3"], below: "4")
        guard let fit, let engagement else { return nil }
        return GradeBands(a: fit[0], b: fit[1], c: fit[2], one: engagement[0], two: engagement[1], three: engagement[2])
    }

    mutating func bands(_ node: Node, _ context: String, keys: [String], below: String) -> [Points]? {
        guard let fields = reader.mapping(node, context, allowed: keys, required: keys) else { return nil }
        var values: [Points] = []
        for key in keys {
            guard let n = fields[key], let value = threshold(n, "\(context).\(key)") else { return nil }
            if let previous = values.last, value > previous {
                fail(n, context, "bands are at-least thresholds from best to worst, so \(key) (\(value)) must not exceed \(keys[values.count - 1]) (\(previous))")
            }
            values.append(value)
        }
        return values
    }

    // MARK: SLA

    mutating func readSLA(_ node: Node) -> SLAPolicy? {
        guard let fields = reader.mapping(node, "sla", allowed: ["timezone", "business_hours", "holidays", "tiers"], required: ["tiers"])
        else { return nil }
        var timeZone = TimeZone(identifier: "UTC")!
        if let tzNode = fields["timezone"], let name = reader.string(tzNode, "sla.timezone", "timezone") {
            if let zone = TimeZone(identifier: name), name.contains("/") || name == "UTC" || name == "GMT" {
                timeZone = zone
            } else {
                fail(tzNode, "sla.timezone", "unknown time zone \"\(name)\" (use an IANA name such as America/New_York)")
            }
        }
        var holidays = Set<CalendarDate>()
        if let holidaysNode = fields["holidays"], let values = reader.strings(holidaysNode, "sla.holidays", "holidays") {
            for (index, text) in values.enumerated() {
                if let date = CalendarDate(iso8601: text.trimmingWhitespace) { holidays.insert(date) }
                else { fail(holidaysNode.sequence?[index] ?? holidaysNode, "sla.holidays", "\"\(text)\" is not a date (YYYY-MM-DD)") }
            }
        }
        var calendar: SLACalendar?
        if let hoursNode = fields["business_hours"] { calendar = readBusinessHours(hoursNode, timeZone: timeZone, holidays: holidays) }
        else if fields["holidays"] != nil { fail(fields["holidays"], "sla.holidays", "holidays need business_hours") }

        var tiers: [SLATier] = []
        var tierNames = Set<String>()
        if let tiersNode = fields["tiers"], let items = reader.sequence(tiersNode, "sla.tiers", "tiers") {
            if items.isEmpty { fail(tiersNode, "sla.tiers", "tiers needs at least one tier") }
            for (index, item) in items.enumerated() {
                var context = "sla.tiers[\(index)]"
                guard let tier = reader.mapping(item, context, allowed: ["name", "when", "within"], required: ["name", "within"]) else { continue }
                if let nameNode = tier["name"], let name = reader.string(nameNode, context, "name") {
                    if !isIdentifier(name) { fail(nameNode, context, "tier names use letters, digits, '_', '-' and '.'") }
                    else if !tierNames.insert(name).inserted { fail(nameNode, name, "duplicate tier name") }
                    else { context = name }
                }
                var within: SLADuration?
                if let withinNode = tier["within"], let text = reader.string(withinNode, context, "within") {
                    within = SLADuration(text)
                    if within == nil {
                        fail(withinNode, context, "bad duration \"\(text)\": use 90s, 30m, 1h, 2d, 4 business_hours or 2 business_days")
                    } else if within!.isBusinessTime, calendar == nil {
                        fail(withinNode, context, "\(text) counts business time, which needs sla.business_hours")
                    }
                }
                let condition = tier["when"].flatMap { readCondition($0, context) } ?? SLACondition()
                if let within {
                    tiers.append(SLATier(name: context, condition: condition, within: within, line: item.mark?.line ?? 0))
                }
            }
        }
        return SLAPolicy(timeZone: timeZone, calendar: calendar, tiers: tiers)
    }

    mutating func readBusinessHours(_ node: Node, timeZone: TimeZone, holidays: Set<CalendarDate>) -> SLACalendar? {
        let context = "sla.business_hours"
        guard let fields = reader.mapping(node, context, allowed: ["days", "start", "end"], required: ["days", "start", "end"]) else { return nil }
        var days = Set<Weekday>()
        if let daysNode = fields["days"], let names = reader.strings(daysNode, context, "days") {
            for name in names {
                if let day = Weekday(name: name.trimmingWhitespace) { days.insert(day) }
                else { fail(daysNode, context, "unknown weekday \"\(name)\" (mon, tue, wed, thu, fri, sat, sun)") }
            }
            if names.isEmpty { fail(daysNode, context, "days needs at least one working day") }
        }
        let start = fields["start"].flatMap { clockTime($0, context, "start") }
        let end = fields["end"].flatMap { clockTime($0, context, "end") }
        guard let start, let end, !days.isEmpty else { return nil }
        guard start < end else {
            fail(fields["end"], context, "end must be after start (working hours within one day)")
            return nil
        }
        return SLACalendar(timeZone: timeZone, workingDays: days, startMinute: start, endMinute: end, holidays: holidays)
    }

    /// `"09:00"` → 540; `24:00` is allowed as an end of day.
    mutating func clockTime(_ node: Node, _ context: String, _ what: String) -> Int? {
        guard let text = reader.string(node, context, what) else { return nil }
        let parts = text.trimmingWhitespace.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, parts[1].count == 2, (1...2).contains(parts[0].count),
           let h = Int(parts[0]), let m = Int(parts[1]), (0...59).contains(m), (0...23).contains(h) || (h == 24 && m == 0) {
            return h * 60 + m
        }
        fail(node, context, "\(what) must be a time of day such as \"09:00\" (quote it in YAML)")
        return nil
    }

    mutating func readCondition(_ node: Node, _ context: String) -> SLACondition? {
        guard let fields = reader.mapping(node, context, allowed: ["any_event", "grade_in", "min_score", "max_score"]) else { return nil }
        var anyEvent: [String] = []
        if let n = fields["any_event"], let values = reader.strings(n, context, "any_event", allowSingle: true) {
            for raw in values {
                let type = raw.trimmingWhitespace.lowercased()
                if EngagementEvent.isValidType(type) { anyEvent.append(type) } else { fail(n, context, "invalid event type \"\(raw)\"") }
            }
        }
        var gradeIn: [String] = []
        if let n = fields["grade_in"], let values = reader.strings(n, context, "grade_in", allowSingle: true) {
            for raw in values {
                let text = raw.trimmingWhitespace.uppercased()
                if Grade(text) != nil || Grade.Letter(rawValue: text) != nil { gradeIn.append(text) }
                else { fail(n, context, "\"\(raw)\" is not a grade (A1 … D4, or a letter A … D for all its digits)") }
            }
        }
        let minScore = fields["min_score"].flatMap { threshold($0, context) }
        let maxScore = fields["max_score"].flatMap { threshold($0, context) }
        if let minScore, let maxScore, minScore > maxScore { fail(node, context, "min_score must not exceed max_score") }
        return SLACondition(anyEvent: anyEvent, gradeIn: gradeIn, minScore: minScore, maxScore: maxScore)
    }
}
