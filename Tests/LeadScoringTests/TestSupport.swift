import Foundation
import Testing
@testable import LeadScoring

/// The spec §5.1 example model, used by most tests.
let exampleYAML = #"""
version: "2026-11-a"
lists:
  free_email: [gmail.com, yahoo.com, hotmail.com, outlook.com]
  competitors: [rivalsoft.com]
fit:
  - {name: revenue_leader, field: job_title, matches: '(?i)\b(vp|vice president|head|chief|director|cro)\b.*\b(sales|revenue|marketing)\b', points: 30}
  - {name: target_size, field: company_size, between: [50, 5000], points: 20}
  - {name: target_industry, field: industry, in: [software, saas, fintech], points: 15}
  - {name: target_geo, field: country, in: [US, CA, GB, DE], points: 10}
  - {name: crm_stack, field: tech_stack, contains_any: [salesforce, hubspot], points: 10}
  - {name: near_term, field: attributes.timeline, in: [this_quarter, this_month], points: 15}
  - {name: free_email, field: email_domain, in_list: free_email, points: -20}
  - {name: competitor, field: email_domain, in_list: competitors, disqualify: true}
  - {name: non_buyer, field: job_title, matches: '(?i)\b(student|intern|job seeker)\b', points: -40}
engagement:
  half_life_days: 30
  rules:
    - {name: pricing_page, type: page_view, path: "/pricing*", points: 10, max: 30}
    - {name: comparison_page, type: page_view, path: "/compare*", points: 10, max: 20}
    - {name: careers_page, type: page_view, path: "/careers*", points: -15}
    - {name: content_download, type: content_download, points: 15, max: 45}
    - {name: webinar, type: webinar_attended, points: 25}
    - {name: email_click, type: email_click, points: 5, max: 20}
    - {name: demo_request, type: demo_request, points: 60, once: true}
    - {name: unsubscribe, type: unsubscribe, points: -30}
    - {name: return_visits, type: page_view, distinct_days: 2, within_days: 7, points: 15, once: true}
thresholds:
  mql: 100
  min_fit: 20
  min_signals: 2
  recycle: 60
  recycle_cooldown_days: 30
grades:
  fit: {A: 60, B: 40, C: 20}          # at least; below C is D
  engagement: {"1": 75, "2": 50, "3": 25}   # at least; below 3 is 4
sla:
  timezone: America/New_York
  business_hours: {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}
  holidays: ["2026-12-25", "2027-01-01"]
  tiers:
    - {name: hot, when: {any_event: [demo_request]}, within: 1h}
    - {name: priority, when: {grade_in: [A1, A2, B1]}, within: 4 business_hours}
    - {name: standard, within: 24h}
"""#

func loadModel(_ yaml: String, file: String = "test.yaml") throws -> ScoringModel {
    try ModelLoader.load(yaml: yaml, file: file)
}

let exampleModel: ScoringModel = try! loadModel(exampleYAML)

/// The shipped default model, read relative to this source file.
let defaultModelPath: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/scoring.yaml").path
}()

func loadDefaultModel() throws -> ScoringModel {
    try ModelLoader.load(yaml: String(contentsOfFile: defaultModelPath, encoding: .utf8), file: "config/scoring.yaml")
}

/// A timestamp from RFC 3339 text (test input is trusted).
func ts(_ text: String) -> Timestamp {
    guard let t = Timestamp(rfc3339: text) else { fatalError("bad timestamp \(text)") }
    return t
}

let day: Int64 = 86_400_000

func event(_ type: String, _ at: Timestamp, path: String? = nil, _ properties: [String: JSONValue] = [:]) -> EngagementEvent {
    var props = properties
    if let path { props["path"] = .string(path) }
    return EngagementEvent(type: type, occurredAt: at, properties: props)
}

func contribution(_ result: ScoreResult, _ rule: String) -> Points? {
    result.reasons.first { $0.rule == rule }?.points
}

/// Asserts the invariant every result must keep: reasons sum to the score exactly.
func expectReasonsSum(_ result: ScoreResult, sourceLocation: SourceLocation = #_sourceLocation) {
    let total = result.reasons.reduce(Points.zero) { $0 + $1.points }
    #expect(total == result.score, "reasons sum to \(total), score is \(result.score)", sourceLocation: sourceLocation)
    #expect(result.fitScore + result.engagementScore == result.score, sourceLocation: sourceLocation)
}

/// Loads a model and returns its errors as `line: rule: message` strings (empty when it loads).
func modelErrors(_ yaml: String) -> [String] {
    do {
        _ = try ModelLoader.load(yaml: yaml, file: "m.yaml")
        return []
    } catch {
        return error.errors.map { "\($0.line): \($0.rule): \($0.message)" }
    }
}

/// A minimal valid model; `fit`, `rules` and `extra` splice in YAML.
func miniModel(fit: String = "[]", rules: String, halfLife: String = "30", thresholds: String = "{mql: 100}", extra: String = "") -> String {
    """
    version: t1
    lists: {free_email: [gmail.com], competitors: [rivalsoft.com]}
    fit: \(fit)
    engagement:
      half_life_days: \(halfLife)
      rules: \(rules)
    thresholds: \(thresholds)
    grades: {fit: {A: 60, B: 40, C: 20}, engagement: {"1": 75, "2": 50, "3": 25}}
    \(extra)
    """
}
