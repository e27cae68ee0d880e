/// Routes requests by method and path pattern (`/v1/leads/{id}`).
///
/// Unknown paths get 404; known paths with another method get 405 with
/// `Allow`. `HEAD` is served by the `GET` handler (the server drops the
/// body) and `OPTIONS` answers CORS preflights for routes that carry a
/// `CORSPolicy`, or lists the allowed methods.
public final class Router: HTTPResponder, @unchecked Sendable {
    /// An asynchronous-capable handler: answer through the sink, now or later.
    public typealias Handler = @Sendable (HTTPRequest, HTTPResponseSink) -> Void

    private enum Segment: Equatable {
        case literal(String)
        case parameter(String)
    }

    private struct Route {
        var pattern: String
        var segments: [Segment]
        var handlers: [String: Handler] = [:]
        var cors: CORSPolicy?
    }

    // Written only while routes are registered, before the server starts; read-only afterwards.
    private var exactRoutes: [String: Int] = [:]
    private var routes: [Route] = []

    public init() {}

    /// Registers `handler` for `method` on `pattern`. Segments in braces capture a parameter.
    public func add(_ method: String, _ pattern: String, cors: CORSPolicy? = nil, _ handler: @escaping Handler) {
        let segments = Self.segments(of: pattern).map { part -> Segment in
            if part.hasPrefix("{") && part.hasSuffix("}") { return .parameter(String(part.dropFirst().dropLast())) }
            return .literal(String(part))
        }
        let index: Int
        if let existing = routes.firstIndex(where: { $0.segments == segments }) {
            index = existing
        } else {
            routes.append(Route(pattern: pattern, segments: segments))
            index = routes.count - 1
            if !segments.contains(where: { if case .parameter = $0 { true } else { false } }) {
                exactRoutes[pattern] = index
            }
        }
        routes[index].handlers[method.uppercased()] = handler
        if let cors { routes[index].cors = cors }
    }

    /// Registers a handler that answers synchronously.
    public func add(_ method: String, _ pattern: String, cors: CORSPolicy? = nil, respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        add(method, pattern, cors: cors) { request, sink in sink.send(respond(request)) }
    }

    /// Registers a handler written with Swift concurrency; it runs off the event loop.
    public func add(_ method: String, _ pattern: String, cors: CORSPolicy? = nil, async respond: @escaping @Sendable (HTTPRequest) async -> HTTPResponse) {
        add(method, pattern, cors: cors) { request, sink in
            Task { sink.send(await respond(request)) }
        }
    }

    /// Every registered pattern with its methods, for documentation checks.
    public var routeTable: [(pattern: String, methods: [String])] {
        routes.map { ($0.pattern, $0.handlers.keys.sorted()) }
    }

    /// The pattern `path` matches, for labelling metrics and logs.
    public func pattern(for path: String) -> String? {
        match(path).map { routes[$0.index].pattern }
    }

    public func respond(to request: HTTPRequest, sink: HTTPResponseSink) {
        guard let (index, parameters) = match(request.path) else {
            return sink.send(.problem(.notFound, detail: "no route for \(request.path)"))
        }
        let route = routes[index]
        var request = request
        request.pathParameters = parameters
        let origin = request.headers["origin"]

        if request.method == "OPTIONS" && route.handlers["OPTIONS"] == nil {
            return sink.send(preflight(request, route: route, origin: origin))
        }
        let method = request.method == "HEAD" && route.handlers["HEAD"] == nil ? "GET" : request.method
        guard let handler = route.handlers[method] else {
            var headers = HTTPHeaders()
            headers.add("Allow", allowed(route))
            return sink.send(.problem(.methodNotAllowed, detail: "\(request.method) is not allowed here", headers: headers))
        }
        if let origin, let cors = route.cors {
            guard cors.allowsOrigin(origin) else {
                return sink.send(.problem(.forbidden, detail: "origin not allowed"))
            }
            // Let the browser read the answer, whatever the handler says.
            let inner = sink
            handler(request, HTTPResponseSink(wrapping: sink) { response in
                var response = response
                response.headers.set("Access-Control-Allow-Origin", origin)
                response.headers.add("Vary", "Origin")
                inner.send(response)
            })
            return
        }
        handler(request, sink)
    }

    private func preflight(_ request: HTTPRequest, route: Route, origin: String?) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Allow", allowed(route))
        guard let origin, let requested = request.headers["access-control-request-method"] else {
            return HTTPResponse(status: .noContent, headers: headers)
        }
        guard let cors = route.cors, cors.allowsOrigin(origin), route.handlers[requested.uppercased()] != nil else {
            return .problem(.forbidden, detail: "cross-origin request not allowed", headers: headers)
        }
        headers.add("Access-Control-Allow-Origin", origin)
        headers.add("Access-Control-Allow-Methods", allowed(route))
        headers.add("Access-Control-Allow-Headers", cors.allowedHeaders.joined(separator: ", "))
        headers.add("Access-Control-Max-Age", String(cors.maxAgeSeconds))
        headers.add("Vary", "Origin")
        return HTTPResponse(status: .noContent, headers: headers)
    }

    private func allowed(_ route: Route) -> String {
        var methods = Set(route.handlers.keys)
        if methods.contains("GET") { methods.insert("HEAD") }
        methods.insert("OPTIONS")
        return methods.sorted().joined(separator: ", ")
    }

    private func match(_ path: String) -> (index: Int, parameters: [String: String])? {
        if let index = exactRoutes[path] { return (index, [:]) }
        let parts = Self.segments(of: path)
        for (index, route) in routes.enumerated() where route.segments.count == parts.count {
            var parameters: [String: String] = [:]
            var matched = true
            for (segment, part) in zip(route.segments, parts) {
                switch segment {
                case .literal(let literal) where literal == part: continue
                case .literal: matched = false
                case .parameter(let name): parameters[name] = FormURLEncoding.percentDecode(part)
                }
                if !matched { break }
            }
            if matched { return (index, parameters) }
        }
        return nil
    }

    private static func segments(of path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}
