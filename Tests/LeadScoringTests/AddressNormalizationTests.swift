import Testing
@testable import LeadScoring

/// The ASCII fast paths must answer exactly as the general Unicode paths do.
@Suite("E-mail and domain normalisation")
struct AddressNormalizationTests {
    static let emails = [
        "dana@acme.io", " Dana@Acme.IO ", "\tx@y.co\n", "a@b", "a@b.", "a@.b", "@acme.com", "dana@", "dana@@acme.com",
        "da@na@acme.com", "dana @acme.com", "dana@acme .com", "<dana@acme.com>", "dana,x@acme.com", "dana@-acme.com",
        "dana@acme-.com", "dana@ac-me.com", "dana@acme..com", "dana@www.acme.com", "dana@acme.com/x", "dana@acme.com:25",
        "dana@acme_corp.com", "d\u{7F}a@acme.com", "d\u{1}a@acme.com", "", "   ", "@", "x@1.2",
        String(repeating: "a", count: 64) + "@acme.com", String(repeating: "a", count: 65) + "@acme.com",
        "a@" + String(repeating: "b", count: 63) + ".com", "a@" + String(repeating: "b", count: 64) + ".com",
        "a@" + Array(repeating: String(repeating: "b", count: 60), count: 5).joined(separator: ".") + ".com",
    ]

    static let domains = [
        "acme.com", "https://www.Example.com/about", "http://acme.io?x=1", "acme.io#top", "acme.io:8080", "www.acme.io.",
        "WWW.acme.io", "www.", "www.com", "acme", ".acme.com", "acme.com..", "-acme.com", "acme-.com", "ac_me.com",
        "  acme.com  ", "ftp://files.acme.com/x", "://acme.com", "acme://", "http://", "", "a.b.c.d.e", "x.1",
        String(repeating: "a", count: 64) + ".com", String(repeating: "a.", count: 127) + "com",
    ]

    @Test(arguments: emails) func emailFastPathAgrees(_ raw: String) {
        let fast = ASCIIAddress.normalizedEmail(raw)
        #expect(fast != nil, "ASCII input takes the fast path")
        #expect(fast.flatMap { $0 } == Lead.unicodeNormalizedEmail(raw))
    }

    @Test(arguments: domains) func domainFastPathAgrees(_ raw: String) {
        let fast = ASCIIAddress.normalizedDomain(raw)
        #expect(fast != nil, "ASCII input takes the fast path")
        #expect(fast.flatMap { $0 } == Lead.unicodeNormalizedDomain(raw))
    }

    @Test func randomASCIIAgrees() {
        var generator = SplitMix(state: 7)
        let alphabet = Array("aZ09.-@_ <>,:/?#w\t".utf8)
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 24)
            let bytes = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            let raw = String(decoding: bytes, as: UTF8.self)
            #expect(ASCIIAddress.normalizedEmail(raw).flatMap { $0 } == Lead.unicodeNormalizedEmail(raw), "\(raw)")
            #expect(ASCIIAddress.normalizedDomain(raw).flatMap { $0 } == Lead.unicodeNormalizedDomain(raw), "\(raw)")
        }
    }

    @Test func nonASCIITakesTheGeneralPath() {
        #expect(ASCIIAddress.normalizedEmail("jürgen@müller.de") == nil)
        #expect(Lead.normalizedEmail(" Jürgen@Müller.DE ") == "jürgen@müller.de")
        #expect(Lead.normalizedEmail("dana@acme.com\u{A0}") == "dana@acme.com")
        #expect(Lead.normalizedDomain("https://www.Bücher.de/x") == "bücher.de")
        #expect(Lead.normalizedEmail("da\u{2003}na@acme.com") == nil)
    }

    @Test func trimming() {
        #expect("abc".trimmingWhitespace == "abc")
        #expect(" abc\t".trimmingWhitespace == "abc")
        #expect("\u{A0}abc\u{2003}".trimmingWhitespace == "abc")
        #expect("é".trimmingWhitespace == "é")
        #expect("".trimmingWhitespace == "")
        #expect(" \n ".trimmingWhitespace == "")
    }
}
