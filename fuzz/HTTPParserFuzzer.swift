// libFuzzer entry point for the request parser. Built by fuzz/run.sh together
// with the parser's sources only, so nothing else in the server is involved.
//
// Each input is parsed twice: in one piece and split into small slices, the
// way a slow network delivers it. Both runs must agree; any crash, trap or
// disagreement is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let step = Int(data[0] % 16) + 1
    let input = UnsafeBufferPointer(start: data + 1, count: size - 1)
    let whole = describe(parseRequest(input, step: input.count))
    let sliced = describe(parseRequest(input, step: step))
    if whole != sliced {
        fatalError("incremental parse disagrees: \(whole) vs \(sliced)")
    }
    return 0
}

private enum Verdict: Equatable {
    case incomplete
    case failure(HTTPParseError)
    case request(method: String, target: String, fields: Int, body: [UInt8], trailers: Int)
}

private func describe(_ verdict: Verdict) -> String { "\(verdict)" }

/// Feeds `input` to the parser `step` bytes at a time, then decodes the body.
private func parseRequest(_ input: UnsafeBufferPointer<UInt8>, step: Int) -> Verdict {
    var parser = RequestHeadParser(limits: .init(maxHeaderBytes: 2048, maxTargetBytes: 512, maxHeaderFields: 16))
    var available = 0
    while true {
        available = min(input.count, available + max(step, 1))
        switch parser.parse(UnsafeBufferPointer(rebasing: input[0..<available])) {
        case .failure(let error):
            return .failure(error)
        case .incomplete:
            if available == input.count { return .incomplete }
        case .complete(let head, let consumed):
            precondition(consumed <= available)
            let rest = UnsafeBufferPointer(rebasing: input[consumed...])
            switch BodyFraming.of(head) {
            case .failure(let error):
                return .failure(error)
            case .success(.none):
                return .request(method: head.method, target: head.target, fields: head.headers.count, body: [], trailers: 0)
            case .success(.length(let length)):
                guard rest.count >= length else { return .incomplete }
                return .request(method: head.method, target: head.target, fields: head.headers.count, body: Array(rest.prefix(length)), trailers: 0)
            case .success(.chunked):
                var decoder = ChunkedBodyDecoder(maxBodyBytes: 4096, maxTrailerBytes: 512, maxTrailerFields: 8)
                var body: [UInt8] = []
                var offset = 0
                while offset < rest.count {
                    let end = min(rest.count, offset + max(step, 1))
                    switch decoder.decode(UnsafeBufferPointer(rebasing: rest[offset..<end]), into: &body) {
                    case .needMore:
                        offset = end
                    case .failure(let error):
                        return .failure(error)
                    case .done(let consumed):
                        precondition(offset + consumed <= rest.count)
                        return .request(method: head.method, target: head.target, fields: head.headers.count, body: body, trailers: decoder.trailers.count)
                    }
                }
                return .incomplete
            }
        }
    }
}
