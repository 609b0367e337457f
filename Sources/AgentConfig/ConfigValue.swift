/// A parsed configuration value. Every key of the catalogue resolves to one of these.
public enum ConfigValue: Sendable, Hashable {
    case bool(Bool)
    case duration(Duration)
    case int(Int)
    case double(Double)
    case string(String)
    case ports([UInt16])
    case strings([String])
    case map([String: String])
    case portRange(PortRange)
    case rateLimit(RateLimit)

    /// Go's notion of "zero": such a value falls through to the next source.
    var isZero: Bool {
        switch self {
        case .bool: false  // tri-state booleans are unset (nil), never zero, once parsed
        case .duration(let d): d == .zero
        case .int(let i): i == 0
        case .double(let d): d == 0
        case .string(let s): s.isEmpty
        case .ports(let p): p.isEmpty
        case .strings(let s): s.isEmpty
        case .map(let m): m.isEmpty
        case .portRange, .rateLimit: false
        }
    }

    /// How the value is shown by `check-config`: Go syntax for durations, JSON for lists.
    public var display: String {
        switch self {
        case .bool(let b): b ? "true" : "false"
        case .duration(let d): GoDuration.format(d)
        case .int(let i): String(i)
        case .double(let d): d.rounded() == d ? String(Int(d)) : String(d)
        case .string(let s): s
        case .ports(let p): "[" + p.map(String.init).joined(separator: ",") + "]"
        case .strings(let s): "[" + s.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        case .map(let m): "{" + m.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",") + "}"
        case .portRange(let r): r.description
        case .rateLimit(let r): r.description
        }
    }
}

/// `start-end`, inclusive, as in `ECS_DYNAMIC_HOST_PORT_RANGE`.
public struct PortRange: Sendable, Hashable, CustomStringConvertible {
    public var start: UInt16
    public var end: UInt16
    public init(start: UInt16, end: UInt16) {
        self.start = start
        self.end = end
    }
    public var description: String { "\(start)-\(end)" }
}

/// `steady,burst` requests per second, as in `ECS_TASK_METADATA_RPS_LIMIT`.
public struct RateLimit: Sendable, Hashable, CustomStringConvertible {
    public var steady: Int
    public var burst: Int
    public init(steady: Int, burst: Int) {
        self.steady = steady
        self.burst = burst
    }
    public var description: String { "\(steady),\(burst)" }
}
