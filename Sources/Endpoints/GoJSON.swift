/// JSON text written the way Go's `encoding/json` writes it, because clients in the wild parse
/// the reference agent's bytes (endpoints.md §0): fields in the order they are added, map keys
/// sorted by byte value, `<` `>` `&` U+2028 U+2029 escaped, floats in Go's shortest form,
/// compact, no trailing newline.
///
/// A value tree rather than Codable: Codable cannot express "this field is omitted when empty,
/// that one is `null`", and the order of fields is the contract.
public indirect enum GoJSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case float(Double)
    case string(String)
    case array([GoJSON])
    /// Fields in the order written.
    case object([(String, GoJSON)])
    /// Text already encoded (a stored stats sample, a raw association value).
    case raw(String)

    public static func == (a: GoJSON, b: GoJSON) -> Bool { a.text == b.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// A Go map: keys sorted by their UTF-8 bytes.
    public static func map(_ entries: [String: GoJSON]) -> GoJSON {
        .object(entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, $0.value) })
    }

    public static func map(_ entries: [String: String]) -> GoJSON {
        map(entries.mapValues { GoJSON.string($0) })
    }

    /// An array or `null` when absent (a Go nil slice in a field without omitempty).
    public static func array(orNull values: [GoJSON]?) -> GoJSON {
        values.map { .array($0) } ?? .null
    }

    /// Whether Go's `omitempty` drops it: "", 0, false, nil, an empty array. An object is never
    /// dropped here (a struct is never empty to Go; maps use `GoFields.add(_:omitEmptyMap:)`).
    var isEmptyScalar: Bool {
        switch self {
        case .null: true
        case .bool(let b): !b
        case .int(let i): i == 0
        case .uint(let u): u == 0
        case .float(let f): f == 0
        case .string(let s): s.isEmpty
        case .array(let a): a.isEmpty
        case .object, .raw: false
        }
    }

    public var text: String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .uint(let u): out.append(contentsOf: String(u).utf8)
        case .float(let f): out.append(contentsOf: Self.goFloat(f).utf8)
        case .string(let s): Self.writeString(s, to: &out)
        case .raw(let r): out.append(contentsOf: r.utf8)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (i, v) in values.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                v.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(k, to: &out)
                out.append(UInt8(ascii: ":"))
                v.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `json.MarshalIndent(v, "", "\t")`: one member per line, `"key": value`, no final newline.
    public var indentedText: String {
        var out: [UInt8] = []
        writeIndented(to: &out, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    func writeIndented(to out: inout [UInt8], level: Int) {
        func newline(_ depth: Int) {
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: [UInt8](repeating: UInt8(ascii: "\t"), count: depth))
        }
        switch self {
        case .array(let values) where !values.isEmpty:
            out.append(UInt8(ascii: "["))
            for (i, v) in values.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(level + 1)
                v.writeIndented(to: &out, level: level + 1)
            }
            newline(level)
            out.append(UInt8(ascii: "]"))
        case .object(let fields) where !fields.isEmpty:
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(level + 1)
                Self.writeString(k, to: &out)
                out.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
                v.writeIndented(to: &out, level: level + 1)
            }
            newline(level)
            out.append(UInt8(ascii: "}"))
        default:
            write(to: &out)
        }
    }

    // MARK: Go's string escaping (encoding/json encodeState.string with HTML escaping on)

    static func writeString(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        // Swift strings are valid Unicode already; invalid UTF-8 was replaced by U+FFFD when the
        // String was made, as Go does when it encodes.
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x00..<0x20, 0x3C, 0x3E, 0x26:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hex[Int(scalar.value >> 4)], hex[Int(scalar.value & 0xF)]])
            case 0x2028: out.append(contentsOf: "\\u2028".utf8)
            case 0x2029: out.append(contentsOf: "\\u2029".utf8)
            default: out.append(contentsOf: String(Character(scalar)).utf8)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    // MARK: Go's float formatting (encoding/json floatEncoder, 64 bits)

    /// The shortest decimal that reads back as `f`, written as Go writes it: plain digits unless
    /// the magnitude is below 1e-6 or at least 1e21, then `1e-7` / `1e+21` (two-digit exponents
    /// lose their leading zero). NaN and infinities are not JSON; they are written as 0 here
    /// (Go would fail the whole response).
    static func goFloat(_ f: Double) -> String {
        guard f.isFinite else { return "0" }
        if f == 0 { return f.sign == .minus ? "-0" : "0" }
        // Swift's description is the shortest round-trip form; take its digits and exponent.
        let (negative, digits, exponent) = decompose(f)
        let sign = negative ? "-" : ""
        let magnitude = abs(f)
        if magnitude < 1e-6 || magnitude >= 1e21 {
            var mantissa = String(digits.first!)
            if digits.count > 1 { mantissa += "." + digits.dropFirst() }
            let e = exponent - 1
            let eText = e < 0 ? "-" + String(-e) : "+" + String(e)
            return sign + mantissa + "e" + eText
        }
        // exponent: the decimal point sits after `exponent` digits (may be ≤ 0 or > count).
        if exponent <= 0 {
            return sign + "0." + String(repeating: "0", count: -exponent) + digits
        }
        if exponent >= digits.count {
            return sign + digits + String(repeating: "0", count: exponent - digits.count)
        }
        let split = digits.index(digits.startIndex, offsetBy: exponent)
        return sign + digits[..<split] + "." + digits[split...]
    }

    /// Digits without leading/trailing zeros and the position of the decimal point, from Swift's
    /// shortest representation ("1.25e-07", "1024.0", "0.001").
    private static func decompose(_ f: Double) -> (Bool, String, Int) {
        var text = f.description
        var negative = false
        if text.hasPrefix("-") { negative = true; text.removeFirst() }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...].filter { $0 != "+" }) ?? 0
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(parts[0])
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits = whole + fraction
        var point = whole.count + exponent
        while digits.hasPrefix("0") && digits.count > 1 { digits.removeFirst(); point -= 1 }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (negative, digits, point)
    }
}

/// Fields of a Go struct in declaration order, with `omitempty` where the struct says so.
public struct GoFields: Sendable {
    public private(set) var fields: [(String, GoJSON)] = []

    public init() {}

    /// A field always written (a nil slice or pointer is `null`).
    public mutating func add(_ key: String, _ value: GoJSON) {
        fields.append((key, value))
    }

    /// A field with `omitempty`: dropped when "", 0, false, null, or an empty array or map.
    public mutating func add(_ key: String, omitEmpty value: GoJSON?) {
        guard let value else { return }
        // A struct is never empty to Go; maps go through `omitEmptyMap`.
        if value.isEmptyScalar { return }
        fields.append((key, value))
    }

    /// A map field with `omitempty` (an empty map is dropped, unlike an empty struct).
    public mutating func add(_ key: String, omitEmptyMap value: [String: String]?) {
        guard let value, !value.isEmpty else { return }
        fields.append((key, .map(value)))
    }

    /// A struct-pointer field with `omitempty`: dropped only when nil; `{}` is written.
    public mutating func add(_ key: String, omitNil value: GoJSON?) {
        guard let value else { return }
        fields.append((key, value))
    }

    public var json: GoJSON { .object(fields) }
}
