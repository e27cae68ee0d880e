import Foundation
import PropertyBased
import Testing
@testable import LeadScoring

@Suite("JSON parser")
struct JSONParserTests {
    /// The parse error's detail, or nil when the document parses.
    static func failure(_ bytes: [UInt8]) -> String? {
        do {
            _ = try JSONValue.parse(Data(bytes))
            return nil
        } catch {
            #expect(error.issues.count == 1 && error.issues[0].pointer == "")
            return error.issues.first?.detail
        }
    }

    static func failure(_ text: String) -> String? { failure(Array(text.utf8)) }

    @Test(arguments: [
        ("null", JSONValue.null), ("true", .bool(true)), ("false", .bool(false)), ("0", .number(0)), ("-0", .number(-0.0)),
        ("3", .number(3)), ("-12.5e-1", .number(-1.25)), ("1E2", .number(100)), ("1e+2", .number(100)), ("0.000001", .number(0.000001)),
        ("1e-400", .number(0)), ("12345678901234567890", .number(12345678901234567890)),
        (#""""#, .string("")), (#""a\"b\\c\/d\b\f\n\r\t""#, .string("a\"b\\c/d\u{8}\u{c}\n\r\t")),
        (#""\u0041\u00e9\u20AC\ud83d\ude00""#, .string("Aé€😀")), (#""\u0000""#, .string("\u{0}")),
        ("\"é€😀 ünïcödé\"", .string("é€😀 ünïcödé")), ("\"\u{7F}\"", .string("\u{7F}")),
        (" \t\r\n[ ] ", .array([])), ("{}", .object([:])), ("[1,[2,[3]],{}]", .array([.number(1), .array([.number(2), .array([.number(3)])]), .object([:])])),
        (#"{"a": {"b": [true, null]}, "c": "d"}"#, .object(["a": .object(["b": .array([.bool(true), .null])]), "c": .string("d")])),
        (#"{"a": 1, "a": 2, "b": 3, "a": 4}"#, .object(["a": .number(4), "b": .number(3)])),
        (#"{"": 1}"#, .object(["": .number(1)])),
        ("\u{FEFF}[1]", .array([.number(1)])),
    ] as [(String, JSONValue)])
    func validDocuments(text: String, expected: JSONValue) throws {
        #expect(try JSONValue.parse(text) == expected)
        #expect(try JSONValue.parse(Data(text.utf8)) == expected)
        if case .number(let n) = expected, let parsed = try? JSONValue.parse(text), case .number(let m) = parsed {
            #expect(n.sign == m.sign)
        }
    }

    @Test(arguments: [
        // what, where (byte offset), and a fragment of the message
        ("", 0, "empty"), ("  ", 2, "no value"), ("[1] x", 4, "continues after its value"), ("[1,]", 3, "trailing comma before ']'"),
        (#"{"a":1,}"#, 7, "trailing comma before '}'"), ("[1 2]", 3, "expected ',' or ']'"), (#"{"a" 1}"#, 5, "expected ':'"),
        (#"{a:1}"#, 1, "member name in double quotes"), (#"{"a":1 "b":2}"#, 7, "expected ',' or '}'"), ("[", 1, "end of input (the array opened at byte 0 is not closed)"), (#"{"a": [1, {"b": 2"#, 17, "the object opened at byte 10"),
        ("01", 0, "leading zeros"), ("-01", 0, "leading zeros"), ("+1", 0, "unexpected '+'"), (".5", 0, "unexpected '.'"), ("1.", 2, "end of input"),
        ("1.e5", 2, "digit after the decimal point"), ("1e", 2, "end of input"), ("1e+", 3, "end of input"), ("1ex", 2, "digit in the exponent"),
        ("-", 1, "end of input"), ("-x", 1, "digit after '-'"), ("NaN", 0, "unexpected 'N'"), ("Infinity", 0, "unexpected 'I'"),
        ("-Infinity", 1, "digit after '-'"), ("1e400", 0, "out of range"), ("-1e400", 0, "out of range"), ("0x10", 1, "continues after"),
        ("tru", 3, "end of input"), ("trux", 3, "expected 'true'"), ("nul", 3, "end of input"), ("nulls", 4, "continues after"), ("True", 0, "unexpected 'T'"),
        ("\"abc", 4, "unterminated string opened at byte 0"), ("\"a\tb\"", 2, "control character U+0009"), ("\"a\nb\"", 2, "U+000A"),
        (#""\x""#, 2, "invalid escape"), (#""\u12""#, 5, "four hexadecimal digits"), (#""\u12G4""#, 5, "four hexadecimal digits"),
        (#""\ud800""#, 1, #"lone surrogate \uD800"#), (#""\udc00""#, 1, #"lone surrogate \uDC00"#), (#""\ud83dx""#, 1, "lone surrogate"),
        (#""\ud83d\u0041""#, 1, "not a low surrogate"), (#""\ud83d\ud83d""#, 1, "not a low surrogate"),
        ("// comment\n1", 0, "unexpected '/'"), ("'a'", 0, "unexpected '''"), ("[1]\u{0}", 3, "byte 0x00"),
    ] as [(String, Int, String)])
    func invalidDocuments(text: String, offset: Int, fragment: String) {
        guard let detail = JSONParserTests.failure(text) else {
            Issue.record("\(text.debugDescription) parsed")
            return
        }
        #expect(detail.hasPrefix("invalid JSON: "), "\(detail)")
        #expect(detail.hasSuffix(" at byte \(offset)"), "\(text.debugDescription): \(detail)")
        #expect(detail.contains(fragment), "\(text.debugDescription): \(detail)")
    }

    @Test func invalidUTF8IsRejected() throws {
        let cases: [([UInt8], Int)] = [
            ([0x22, 0xFF, 0x22], 1), ([0x22, 0x80, 0x22], 1), ([0x22, 0xC0, 0xAF, 0x22], 1),  // stray byte, lone continuation, overlong '/'
            ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1), ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),  // overlong, encoded surrogate
            ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1), ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1),  // above U+10FFFF
            ([0x22, 0xE2, 0x82, 0x22], 1), ([0x22, 0x61, 0xE2, 0x82], 2),  // truncated inside and at the end
            ([0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22], 3),  // bad continuation after an escape
            ([0xC3, 0xA9], 0),  // non-ASCII outside a string
        ]
        for (bytes, offset) in cases {
            let detail = JSONParserTests.failure(bytes)
            #expect(detail?.hasSuffix("at byte \(offset)") == true, "\(bytes): \(detail ?? "parsed")")
        }
        // Valid multi-byte forms at each boundary.
        for scalar in ["\u{80}", "\u{7FF}", "\u{800}", "\u{FFFF}", "\u{10000}", "\u{10FFFF}", "\u{D7FF}", "\u{E000}"] {
            #expect(try JSONValue.parse("\"\(scalar)\"") == .string(scalar))
        }
    }

    /// Strings are scanned eight bytes at a time: a byte needing attention at any position of a word is found.
    @Test func everyPositionInAWordIsChecked() throws {
        for prefix in 0..<20 {
            for suffix in [0, 1, 7, 8, 13] {
                let before = String(repeating: "a", count: prefix), after = String(repeating: "b", count: suffix)
                let offset = 2 + prefix  // the document starts with `["`
                #expect(try JSONValue.parse(#"[""# + before + #"\"x"# + after + #""]"#) == .array([.string(before + "\"x" + after)]))
                #expect(try JSONValue.parse(#"[""# + before + "é€😀" + after + #""]"#) == .array([.string(before + "é€😀" + after)]))
                #expect(try JSONValue.parse(#"[""# + before + "\u{7F}" + after + #""]"#) == .array([.string(before + "\u{7F}" + after)]))
                #expect(try JSONValue.parse(#"[""# + before + #""]"#) == .array([.string(before)]))
                #expect(JSONParserTests.failure(#"[""# + before + "\u{1F}" + after + #""]"#)?.hasSuffix("U+001F in a string at byte \(offset)") == true)
                #expect(JSONParserTests.failure(#"[""# + before + "\n" + after + #""]"#)?.hasSuffix("at byte \(offset)") == true)
                #expect(JSONParserTests.failure(Array(#"[""#.utf8) + Array(before.utf8) + [0xFF] + Array(after.utf8) + Array(#""]"#.utf8))?
                    .hasSuffix("at byte \(offset)") == true)
                #expect(JSONParserTests.failure(#"[""# + before + #"\q"# + after + #""]"#)?.hasSuffix("at byte \(offset + 1)") == true)
                #expect(JSONParserTests.failure(#"[""# + before)?.contains("unterminated string opened at byte 1") == true)
            }
        }
    }

    @Test func otherEncodingsAreRefused() {
        for bytes: [UInt8] in [[0xFF, 0xFE, 0x5B, 0x00, 0x5D, 0x00], [0xFE, 0xFF, 0x00, 0x5B, 0x00, 0x5D], [0x5B, 0x00, 0x5D, 0x00]] {
            #expect(JSONParserTests.failure(bytes)?.contains("UTF-8") == true)
        }
    }

    static func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }

    @Test func nestingIsLimitedWithoutRecursion() throws {
        _ = try JSONValue.parse(JSONParserTests.nested(JSONParser.maxDepth))
        #expect(JSONParserTests.failure(JSONParserTests.nested(JSONParser.maxDepth + 1)) == "invalid JSON: arrays and objects nest deeper than 512 levels at byte 512")
        #expect(JSONParserTests.failure(String(repeating: "[", count: 100_000))?.contains("deeper than 512") == true)
        #expect(JSONParserTests.failure(String(repeating: #"{"a":"#, count: 100_000))?.contains("deeper than 512") == true)
        let objects = String(repeating: #"{"a":"#, count: 512) + "1" + String(repeating: "}", count: 512)
        var value = try JSONValue.parse(objects)
        for _ in 0..<512 {
            guard case .object(let members) = value, let inner = members["a"] else { Issue.record("not nested"); return }
            value = inner
        }
        #expect(value == .number(1))

        // The parser keeps its own stack: the deepest document parses on a thread with a 64 KiB stack.
        // (The value goes back to this thread: releasing a deeply nested value is recursive in Swift.)
        let done = DispatchSemaphore(value: 0)
        let outcome = Locked<(deep: JSONValue?, tooDeep: String?)>((nil, nil))
        let thread = Thread {
            // No local keeps the value: once it signals, the thread holds nothing deep to release.
            outcome.withLock {
                $0 = (try? JSONValue.parse(JSONParserTests.nested(JSONParser.maxDepth)), JSONParserTests.failure(String(repeating: "[", count: 100_000)))
            }
            done.signal()
        }
        thread.stackSize = 64 * 1024
        thread.start()
        done.wait()
        let (deep, tooDeep) = outcome.withLock { box in
            defer { box = (nil, nil) }
            return box
        }
        #expect(deep != nil)
        #expect(tooDeep?.contains("deeper than 512") == true)
    }

    @Test func parsesDataSlicesAndStringsAlike() throws {
        let text = #"xx{"a": [1, "é"]}yy"#
        let data = Data(text.utf8)
        let slice = data[data.index(data.startIndex, offsetBy: 2)..<data.index(data.endIndex, offsetBy: -2)]
        let expected = JSONValue.object(["a": .array([.number(1), .string("é")])])
        #expect(try JSONValue.parse(slice) == expected)
        #expect(try JSONValue.parse(String(text.dropFirst(2).dropLast(2))) == expected)
        // A Substring-backed and a bridged-looking string give the same result.
        let nsText = NSString(string: #"{"a": [1, "é"]}"#)
        #expect(try JSONValue.parse(nsText as String) == expected)
    }

    // MARK: Agreement with JSONSerialization

    static let corpus: [String] = [
        #"{"email":"lead1@acme.com","type":"page_view","event_id":"x-1","properties":{"path":"/pricing"}}"#,
        #"[0, -0, 1, -1, 0.5, -0.5, 1e0, 1E1, 1e-1, 2.5e+3, 123456789, 9007199254740991, 9007199254740993, 18446744073709551615]"#,
        #"[0.1, 0.2, 0.3, 3.141592653589793, 2.718281828459045, 1.7976931348623157e308, 2.2250738585072014e-308, 5e-324, 4.9e-324]"#,
        #"[1e22, 1e23, 9.999999999999999e22, 8.41e21, 0.000001, 1e-7, 1.0e-320, 2.2250738585072011e-308, 1.2345678901234567e-300]"#,
        #"["", "plain", "é", "日本語", "😀", "\u00e9", "\u65E5\u672C", "\ud83d\ude00", "\uD834\uDD1E", "\/\\\"\b\f\n\r\t", "\u0001\u001f\u007f"]"#,
        #"{"nested": {"deeper": {"deepest": [[], {}, [{}], [[[]]]]}}, "list": [true, false, null]}"#,
        #"{"a": 1, "b": {"a": 2}, "c": [{"a": 3}]}"#,
        #"{"dup": 1, "dup": "last"}"#,
        #"  {  "spaced"  :  [  1  ,  2  ]  }  "#,
        #""just a string""#, "42", "true", "null",
    ]

    static func fromFoundation(_ any: Any) -> JSONValue {
        switch any {
        case is NSNull: return .null
        case let string as String: return .string(string)
        case let array as [Any]: return .array(array.map(fromFoundation))
        case let object as [String: Any]: return .object(object.mapValues(fromFoundation))
        case let number as NSNumber:
            return String(describing: type(of: number)).contains("Boolean") ? .bool(number.boolValue) : .number(number.doubleValue)
        default:
            Issue.record("unexpected \(type(of: any))")
            return .null
        }
    }

    @Test(arguments: JSONParserTests.corpus)
    func agreesWithJSONSerialization(text: String) throws {
        let reference = JSONParserTests.fromFoundation(try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]))
        #expect(try JSONValue.parse(text) == reference)
    }

    /// Foundation's JSONSerialization misrounds these (by one or two units in the last place); the parser gives
    /// the correctly rounded value, as `Double(String)` does.
    @Test func roundsCorrectlyWhereJSONSerializationDoesNot() throws {
        for text in ["1.00000000000000011102230246251565404236316680908203125", "0.0000000000000000000000000000001",
                     "0.1000000000000000055511151231257827021181583404541015625", "1.0000000000000002220446049250313080847263336181640625",
                     "123456789012345678901234567890", "100000000000000000000000", "0.000000000000000000000000000001",
                     "2.2250738585072012e-308", "2.4703282292062327e-324", "2.4703282292062328e-324"] {
            guard case .number(let value) = try JSONValue.parse(text) else { Issue.record("\(text)"); continue }
            #expect(value.bitPattern == Double(text)!.bitPattern, "\(text)")
        }
        #expect(try JSONValue.parse("1.00000000000000011102230246251565404236316680908203125") == .number(1))  // a tie, rounded to even
    }

    @Test func numbersMatchDoubleFromString() async {
        // Random texts in the JSON number grammar: the parsed value is bit for bit Double(text).
        let digits = Gen.int(in: 0...9).array(of: 1...24)
        await propertyCheck(count: 3000, input: digits, Gen.int(in: 0...24), Gen.int(in: -340...340), Gen.int(in: 0...7)) { digits, point, exponent, shape in
            var mantissa = digits.map(String.init).joined()
            while mantissa.count > 1, mantissa.first == "0" { mantissa.removeFirst() }
            var text = shape & 1 == 1 ? "-" : ""
            if shape & 2 == 2, point > 0, point < mantissa.count {
                text += String(mantissa.prefix(point)) + "." + String(mantissa.dropFirst(point))
            } else if shape & 2 == 2, point == 0 {
                text += "0." + String(repeating: "0", count: digits.count % 5) + mantissa
            } else {
                text += mantissa
            }
            if shape & 4 == 4 { text += (exponent % 2 == 0 ? "e" : "E") + String(exponent) }
            guard let expected = Double(text), expected.isFinite else {
                #expect(JSONParserTests.failure(text)?.contains("out of range") == true, "\(text)")
                return
            }
            let parsed = try JSONValue.parse(text)
            guard case .number(let value) = parsed else { Issue.record("\(text) gave \(parsed)"); return }
            #expect(value.bitPattern == expected.bitPattern, "\(text): \(value) vs \(expected)")
        }
    }

    @Test func doublesSurviveTheirShortestAndLongestForms() async {
        await propertyCheck(count: 2000, input: Gen.uint64(in: 0...UInt64.max)) { bits in
            let value = Double(bitPattern: bits)
            guard value.isFinite else { return }
            for text in [value.description, String(format: "%.17g", value), String(format: "%.17e", value)] {
                let parsed = try JSONValue.parse(text)
                guard case .number(let n) = parsed else { Issue.record("\(text)"); continue }
                #expect(n.bitPattern == value.bitPattern, "\(text)")
            }
        }
    }

    // MARK: parse(serialize(value)) == value

    /// A random JSON value from a seed, nested up to `depth` levels.
    static func randomValue(_ rng: inout SplitMix, depth: Int) -> JSONValue {
        switch rng.next() % (depth > 0 ? 8 : 5) {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2:
            switch rng.next() % 4 {
            case 0: return .number(Double(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64)))
            case 1: return .number(Double(Int(rng.next() % 2_000_001) - 1_000_000) / 100)
            case 2:
                let value = Double(bitPattern: rng.next())
                return .number(value.isFinite ? value : 0)
            default: return .number([0, -0.0, 1e-320, 5e-324, 1.7976931348623157e308, 0.1, 1e22, 1e23][Int(rng.next() % 8)])
            }
        case 3, 4: return .string(randomString(&rng))
        case 5, 6:
            return .array((0..<Int(rng.next() % 5)).map { _ in randomValue(&rng, depth: depth - 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int(rng.next() % 5) { members[randomString(&rng)] = randomValue(&rng, depth: depth - 1) }
            return .object(members)
        }
    }

    static let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\u{0}", "\u{8}", "\u{1F}", "\u{7F}", "é", "\u{7FF}",
                                             "\u{800}", "€", "\u{FFFF}", "\u{FEFF}", "😀", "\u{10FFFF}", "\n", "\t"]

    static func randomString(_ rng: inout SplitMix) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int(rng.next() % 12) {
            if rng.next() % 4 == 0 {
                scalars.append(Unicode.Scalar(UInt32(rng.next() % 0xD800))!)
            } else {
                scalars.append(alphabet[Int(rng.next() % UInt64(alphabet.count))])
            }
        }
        return String(scalars)
    }

    /// A small serializer with random (valid) choices: whitespace, escapes, number spellings.
    static func serialize(_ value: JSONValue, _ rng: inout SplitMix, into out: inout String) {
        func space() {
            for _ in 0..<Int(rng.next() % 3 == 0 ? rng.next() % 3 : 0) { out += [" ", "\t", "\n", "\r"][Int(rng.next() % 4)] }
        }
        space()
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n):
            switch rng.next() % 3 {
            case 0: out += n.description
            case 1: out += String(format: "%.17g", n)
            default: out += n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(format: "%.17E", n)
            }
        case .string(let s): serializeString(s, &rng, into: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                serialize(item, &rng, into: &out)
            }
            space()
            out += "]"
        case .object(let members):
            out += "{"
            for (index, (key, item)) in members.enumerated() {
                if index > 0 { out += "," }
                space()
                serializeString(key, &rng, into: &out)
                space()
                out += ":"
                serialize(item, &rng, into: &out)
            }
            space()
            out += "}"
        }
        space()
    }

    static func serializeString(_ s: String, _ rng: inout SplitMix, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            let escapeAnyway = rng.next() % 5 == 0
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n" where !escapeAnyway: out += "\\n"
            case "\t" where !escapeAnyway: out += "\\t"
            case "/" where escapeAnyway: out += "\\/"
            case _ where scalar.value < 0x20 || escapeAnyway:
                if scalar.value >= 0x10000 {
                    let v = scalar.value - 0x10000
                    out += String(format: "\\u%04X\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
                } else {
                    out += String(format: rng.next() % 2 == 0 ? "\\u%04x" : "\\u%04X", scalar.value)
                }
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    @Test func parseInvertsSerialize() async {
        await propertyCheck(count: 1500, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var rng = SplitMix(state: seed)
            let value = JSONParserTests.randomValue(&rng, depth: 4)
            var text = ""
            JSONParserTests.serialize(value, &rng, into: &text)
            let parsed = try JSONValue.parse(text)
            #expect(parsed == value, "\(text)")
            // The library's own Codable encoding parses back too.
            let encoded = try JSONEncoder().encode(value)
            #expect(try JSONValue.parse(encoded) == value)
        }
    }

    /// One to `edits` random edits of `bytes`: a byte overwritten, removed,
    /// or one of `inserting` (the characters that matter to JSON's structure) put in.
    static func damage(_ bytes: inout [UInt8], _ rng: inout SplitMix, edits: UInt64, inserting: String) {
        let structural = Array(inserting.utf8)
        for _ in 0...(rng.next() % edits) where !bytes.isEmpty {
            let at = Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 3 {
            case 0: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            case 1: bytes.remove(at: at)
            default: bytes.insert(structural[Int(rng.next() % UInt64(structural.count))], at: at)
            }
        }
    }

    @Test func randomBytesNeverTrap() async {
        // Mutations of valid documents: the parser either parses or throws a located error.
        await propertyCheck(count: 3000, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var rng = SplitMix(state: seed)
            var bytes = Array(JSONParserTests.corpus[Int(rng.next() % UInt64(JSONParserTests.corpus.count))].utf8)
            JSONParserTests.damage(&bytes, &rng, edits: 4, inserting: #"{}[]",:\u"#)
            if let detail = JSONParserTests.failure(bytes) {
                #expect(detail.hasPrefix("invalid JSON: ") && detail.contains(" at byte "), "\(detail)")
            }
        }
    }
}
