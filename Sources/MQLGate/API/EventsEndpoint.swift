import Foundation
import HTTP1
import LeadScoring

extension APIEndpoints {
    static let maxEventsPerRequest = 1000
    /// Requests with at most this many events share a commit with the rest of their burst.
    static let maxEventsHeld = 16

    /// `POST /v1/events`: one event, a JSON array, `{"batch": [...]}` or
    /// NDJSON. Answers 202 with counts and per-event rejections once the
    /// accepted events are durable; 422 when nothing in it was valid.
    ///
    /// Runs on the event loop and is answered from the WAL syncer's thread
    /// once the events are durable: no task hop on the hottest path.
    func ingestEvents(_ request: HTTPRequest, sink: HTTPResponseSink) {
        let now = Self.now
        let items: [Result<EngagementEvent, ValidationError>]
        let single: Bool
        do {
            (items, single) = try Self.eventList(request, receivedAt: now)
        } catch let problem as Problem {
            return sink.send(problem.response)
        } catch {
            return sink.send(Problem(.badRequest, "\(error)").response)
        }
        guard !items.isEmpty else { return sink.send(Problem.invalid("", "no events in the request").response) }
        guard items.count <= Self.maxEventsPerRequest else { return sink.send(Self.tooMany(items.count).response) }
        var events: [EngagementEvent] = []
        var positions: [Int] = []
        var rejected: [(index: Int, issues: [ValidationIssue])] = []
        events.reserveCapacity(items.count)
        positions.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            switch item {
            case .success(let event):
                events.append(event)
                positions.append(index)
            case .failure(let error):
                rejected.append((index, error.issues))
            }
        }
        guard !events.isEmpty else {
            // Nothing to store: say why, with pointers into the submitted document.
            let issues = rejected.flatMap { entry in
                entry.issues.map { ValidationIssue(pointer: single ? $0.pointer : "/\(entry.index)\($0.pointer)", detail: $0.detail) }
            }
            return sink.send(Problem.validation(ValidationError(issues), detail: "no valid events in the request").response)
        }
        let logger = self.logger, store = self.store
        let validationRejects = rejected, eventPositions = positions
        // A small request is held until the loop has read the rest of the
        // burst it is in: the writer runs its events at once but commits them
        // with the burst's others (one commit and one sync), instead of the
        // first request's commit and sync delaying all the others'. A large
        // one already outweighs its commit, and waiting for the loop to parse
        // another would only delay it.
        let held = events.count <= Self.maxEventsHeld
        store.ingest(events, at: now, held: held) { result in
            switch result {
            case .failure(let error):
                sink.send(Self.problem(for: error, logger: logger).response)
            case .success(let outcomes):
                var receipt = EventsReceipt(rejected: validationRejects, capacity: outcomes.count)
                for (offset, outcome) in outcomes.enumerated() {
                    let index = eventPositions[offset]
                    switch outcome {
                    case .accepted(let eventID, let leadID):
                        receipt.accept(index: index, eventID: eventID, leadID: leadID)
                    case .duplicate(let eventID):
                        receipt.duplicate(index: index, eventID: eventID)
                    case .rejected(let issue):
                        receipt.reject(index: index, issues: [ValidationIssue(pointer: issue.pointer.split(separator: "/").last.map { "/\($0)" } ?? "", detail: issue.detail)])
                    }
                }
                var headers = HTTPHeaders()
                headers.set("Content-Type", "application/json")
                sink.send(HTTPResponse(status: .accepted, headers: headers, body: receipt.bytes()))
            }
        }
        // After the submit: off a loop (an idempotent retry runs on a
        // worker) the release runs at once and must come second.
        if held { sink.afterReadyEvents { store.releaseHeldWrites() } }
    }

    static func tooMany(_ count: Int) -> Problem {
        Problem(.contentTooLarge, "at most \(maxEventsPerRequest) events per request; got \(count)")
    }

    /// The submitted events, each validated or with its issues; `single`
    /// when the body was one object. `EventListReader` reads the common form
    /// straight from the bytes; anything else goes through a `JSONValue`.
    static func eventList(_ request: HTTPRequest, receivedAt: Timestamp) throws -> (items: [Result<EngagementEvent, ValidationError>], single: Bool) {
        let validate = { (document: JSONValue) -> Result<EngagementEvent, ValidationError> in
            do throws(ValidationError) {
                return .success(try EngagementEvent(json: document, receivedAt: receivedAt, requireLead: true))
            } catch {
                return .failure(error)
            }
        }
        switch try RequestDecoding.mediaType(of: request, allowNDJSON: true) {
        case .ndjson:
            var items: [Result<EngagementEvent, ValidationError>] = []
            for (number, line) in request.body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
                if trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                if let item = trimmed.withUnsafeBytes({ EventListReader.readOne($0, receivedAt: receivedAt, requireLead: true) }) {
                    items.append(item)
                } else {
                    do {
                        items.append(validate(try JSONValue.parse(trimmed)))
                    } catch {
                        throw Problem.invalid("", "line \(number + 1) is not valid JSON")
                    }
                }
                if items.count > maxEventsPerRequest { break }
            }
            return (items, false)
        case .json:
            if let list = request.body.withUnsafeBytes({ EventListReader.read($0, receivedAt: receivedAt, requireLead: true, maxEvents: maxEventsPerRequest) }) {
                return (list.items, list.single)
            }
            // An oversized list is refused before any of it is validated.
            func validated(_ documents: [JSONValue]) throws(Problem) -> [Result<EngagementEvent, ValidationError>] {
                guard documents.count <= maxEventsPerRequest else { throw tooMany(documents.count) }
                return documents.map(validate)
            }
            switch try RequestDecoding.json(request.body) {
            case .array(let documents): return (try validated(documents), false)
            case .object(let members) where members["batch"] != nil:
                guard case .array(let documents)? = members["batch"], members.count == 1 else {
                    throw Problem.invalid("/batch", "batch must be the only member and a list of events")
                }
                return (try validated(documents), false)
            case let other: return ([validate(other)], true)
            }
        default:
            throw Problem(.unsupportedMediaType, "events are sent as application/json or application/x-ndjson")
        }
    }
}
