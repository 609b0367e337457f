import ECSModel

/// The outcome of reading one value: a value, nothing (empty, or JSON null), or a failure that
/// says what was expected.
enum ParseResult: Sendable {
    case value(ConfigValue)
    case unset
    case invalid(String)
}

extension ConfigKind {
    /// Parses the text of an environment variable or ecs.config line.
    func parse(text raw: String) -> ParseResult {
        let text = raw.trimmingWhitespace()
        if text.isEmpty { return .unset }
        switch self {
        case .string(let trim):
            return .value(.string(trim ? text : raw))
        case .path:
            return text.hasPrefix("/") ? .value(.string(text)) : .invalid(expected)
        case .enumeration(let options, let caseInsensitive):
            let probe = caseInsensitive ? text.lowercased() : text
            return options.contains(probe) ? .value(.string(probe)) : .invalid(expected)
        case .triBool, .plainBool:
            return Self.goBool(text).map { .value(.bool($0)) } ?? .invalid(expected)
        case .duration:
            guard let d = GoDuration.parse(text) else { return .invalid(expected) }
            return d < .zero ? .invalid("\(expected); a negative duration has no meaning here") : .value(.duration(d))
        case .integer:
            return Int(text).map { .value(.int($0)) } ?? .invalid(expected)
        case .decimal(let min):
            guard let d = Double(text), d.isFinite, d >= min else { return .invalid(expected) }
            return .value(.double(d))
        case .portList, .stringList, .stringMap, .cidrList, .jsonObject:
            guard let json = JSONValue.parse(text) else { return .invalid("\(expected); this is not valid JSON") }
            return parse(json: json)
        case .commaList:
            let items = text.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
            return .value(.strings(items))
        case .portRange:
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let a = UInt16(parts[0].trimmingWhitespace()),
                  let b = UInt16(parts[1].trimmingWhitespace()), a >= 1, a < b else { return .invalid(expected) }
            return .value(.portRange(.init(start: a, end: b)))
        case .rateLimit:
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 2, let s = Int(parts[0].trimmingWhitespace()), let b = Int(parts[1].trimmingWhitespace()),
                  s > 0, b > 0 else { return .invalid(expected) }
            return .value(.rateLimit(.init(steady: s, burst: b)))
        case .dockerEndpoint:
            if text.hasPrefix("unix:///") || text.hasPrefix("tcp://") { return .value(.string(text)) }
            return .invalid(expected)
        }
    }

    /// Parses a value of the JSON config file (Go field types: durations are nanoseconds).
    func parse(json: JSONValue) -> ParseResult {
        if case .null = json { return .unset }
        switch self {
        case .string, .path, .enumeration, .portRange, .rateLimit, .dockerEndpoint, .commaList:
            if case .array(let items) = json, case .commaList = self {
                let strings = items.compactMap(\.stringValue)
                return strings.count == items.count ? .value(.strings(strings)) : .invalid(expected)
            }
            if case .enumeration(let options, _) = self, let i = json.intValue, options.count == 4, options[0] == "default" {
                // ImagePullBehavior is a Go int enum in the JSON file: 0 default, 1 always, 2 once, 3 prefer-cached.
                return (0..<4).contains(i) ? .value(.string(options[Int(i)])) : .invalid(expected)
            }
            guard let s = json.stringValue else { return .invalid("\(expected), got \(json.typeName)") }
            return parse(text: s)
        case .triBool, .plainBool:
            if case .bool(let b) = json { return .value(.bool(b)) }
            return .invalid("true, false or null, got \(json.typeName)")
        case .duration:
            if let ns = json.intValue {
                return ns < 0 ? .invalid("a non-negative number of nanoseconds") : .value(.duration(.nanoseconds(ns)))
            }
            if let s = json.stringValue { return parse(text: s) }
            return .invalid("a whole number of nanoseconds, got \(json.typeName)")
        case .integer:
            return json.intValue.map { .value(.int(Int($0))) } ?? .invalid("\(expected), got \(json.typeName)")
        case .decimal:
            switch json {
            case .int(let i): return .value(.double(Double(i)))
            case .double(let d): return .value(.double(d))
            default: return .invalid("\(expected), got \(json.typeName)")
            }
        case .portList:
            guard let items = json.arrayValue else { return .invalid("\(expected), got \(json.typeName)") }
            var ports: [UInt16] = []
            for item in items {
                guard let i = item.intValue, (1...65535).contains(i) else {
                    return .invalid("\(expected); \(item.jsonText) is not a port number")
                }
                ports.append(UInt16(i))
            }
            return .value(.ports(ports))
        case .stringList(let allowed):
            guard let items = json.arrayValue else { return .invalid("\(expected), got \(json.typeName)") }
            var strings: [String] = []
            for item in items {
                guard let s = item.stringValue else { return .invalid("\(expected); \(item.jsonText) is not a string") }
                if let allowed, !allowed.contains(s) { return .invalid("\(expected); unknown: \(s)") }
                strings.append(s)
            }
            return .value(.strings(strings))
        case .stringMap:
            guard let object = json.objectValue else { return .invalid("\(expected), got \(json.typeName)") }
            var map: [String: String] = [:]
            for (k, v) in object {
                guard let s = v.stringValue else { return .invalid("\(expected); the value of \"\(k)\" is \(v.typeName)") }
                map[k] = s
            }
            return .value(.map(map))
        case .cidrList:
            guard let items = json.arrayValue else { return .invalid("\(expected), got \(json.typeName)") }
            var cidrs: [String] = []
            for item in items {
                guard let s = item.stringValue, Self.isCIDR(s) else { return .invalid("\(expected); \(item.jsonText) is not a CIDR block") }
                cidrs.append(s)
            }
            return .value(.strings(cidrs))
        case .jsonObject:
            guard case .object = json else { return .invalid("\(expected), got \(json.typeName)") }
            return .value(.string(json.jsonText))
        }
    }

    /// Go's strconv.ParseBool.
    static func goBool(_ s: String) -> Bool? {
        switch s {
        case "1", "t", "T", "TRUE", "true", "True": true
        case "0", "f", "F", "FALSE", "false", "False": false
        default: nil
        }
    }

    static func isCIDR(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bits = Int(parts[1]) else { return false }
        if parts[0].contains(":") { return (0...128).contains(bits) && parts[0].allSatisfy { $0.isHexDigit || $0 == ":" } }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        return (0...32).contains(bits) && octets.count == 4 && octets.allSatisfy { UInt8($0) != nil }
    }

    /// Applies the range rules to a parsed value. Returns the value to use and, when it differs
    /// from what was written, a sentence saying what is used instead.
    func bound(_ value: ConfigValue, default defaultValue: ConfigValue?) -> (ConfigValue, String?) {
        switch (self, value) {
        case (.duration(let min, let max, let action), .duration(let d)):
            if let min, d < min {
                let used = action == .clamp ? ConfigValue.duration(min) : (defaultValue ?? .duration(min))
                return (used, "below the minimum \(GoDuration.format(min)); using \(used.display)")
            }
            if let max, d > max {
                let used = action == .clamp ? ConfigValue.duration(max) : (defaultValue ?? .duration(max))
                return (used, "above the maximum \(GoDuration.format(max)); using \(used.display)")
            }
        case (.integer(let min, let max, let action), .int(let i)):
            if i < min || i > max {
                let bound = i < min ? min : max
                let used = action == .clamp ? ConfigValue.int(bound) : (defaultValue ?? .int(bound))
                return (used, "outside \(min)-\(max); using \(used.display)")
            }
        default:
            break
        }
        return (value, nil)
    }
}
