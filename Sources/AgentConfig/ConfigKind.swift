/// The type of a configuration key: how its text is parsed, what "expected" says, and how an
/// out-of-range value is treated.
public enum ConfigKind: Sendable {
    /// What to do with a well-formed value outside the accepted range.
    public enum BoundAction: Sendable {
        /// Use the bound (the Go agent does this for most timeouts).
        case clamp
        /// Use the key's default (the Go agent does this for cleanup timings).
        case useDefault
    }

    case string(trim: Bool)
    case path
    case enumeration([String], caseInsensitive: Bool)
    /// Tri-state boolean: unset, explicitly true, explicitly false.
    case triBool
    /// Boolean where anything unparsable means the default.
    case plainBool
    case duration(min: Duration?, max: Duration?, outOfRange: BoundAction)
    case integer(min: Int, max: Int, outOfRange: BoundAction)
    case decimal(min: Double)
    case portList
    case stringList(allowed: [String]?)
    case stringMap
    case commaList
    case portRange
    case rateLimit
    case cidrList
    case jsonObject
    case dockerEndpoint

    /// The expected form, as printed after "expected".
    public var expected: String {
        switch self {
        case .string: "a string"
        case .path: "an absolute path"
        case .enumeration(let options, _): "one of " + options.joined(separator: ", ")
        case .triBool, .plainBool: "true or false (also 1/0, t/f, TRUE/FALSE)"
        case .duration: "a Go duration such as 30s, 5m or 1h30m (units ns, us, ms, s, m, h; no d)"
        case .integer(let min, let max, _): "a whole number from \(min) to \(max)"
        case .decimal(let min): "a number not below \(min)"
        case .portList: "a JSON array of port numbers 1-65535, such as [22,80]"
        case .stringList(let allowed?): "a JSON array of strings from: " + allowed.joined(separator: ", ")
        case .stringList(nil): "a JSON array of strings, such as [\"a\",\"b\"]"
        case .stringMap: "a JSON object of string values, such as {\"stack\":\"prod\"}"
        case .commaList: "a comma-separated list"
        case .portRange: "a port range start-end with 1 <= start < end <= 65535, such as 32768-60999"
        case .rateLimit: "two positive whole numbers steady,burst such as 40,60"
        case .cidrList: "a JSON array of CIDR blocks, such as [\"10.0.0.0/8\"]"
        case .jsonObject: "a JSON object"
        case .dockerEndpoint: "unix:///path/to/docker.sock or tcp://host:port"
        }
    }
}

/// One key of the catalogue: its environment name, its JSON-file field, its type, its default,
/// and whether it is secret.
public struct ConfigKeySpec: Sendable {
    public enum Scope: Sendable, Hashable {
        /// Read from the environment, ecs.config files and the JSON file.
        case agent
        /// Read from the environment and ecs.config files only.
        case environmentOnly
        /// Accepted for compatibility but without effect here; the string says why.
        case noEffect(String)
    }

    public var name: String
    public var jsonField: String?
    public var kind: ConfigKind
    /// nil: the key has no value unless one is given.
    public var defaultValue: ConfigValue?
    public var summary: String
    public var secret: Bool
    public var scope: Scope

    public init(
        _ name: String, json: String? = nil, _ kind: ConfigKind, default defaultValue: ConfigValue? = nil,
        secret: Bool = false, scope: Scope = .agent, _ summary: String
    ) {
        self.name = name
        self.jsonField = json
        self.kind = kind
        self.defaultValue = defaultValue
        self.summary = summary
        self.secret = secret
        self.scope = scope
    }
}
