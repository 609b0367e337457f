/// One thing wrong (or worth knowing) about the configuration, always naming the key.
///
/// `error` stops `ecs-agent run` and makes `check-config` exit 1. `warning` means the agent
/// runs with something other than what was written, and says what. `notice` is advice.
public struct ConfigProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Comparable {
        case error, warning, notice

        private var rank: Int { self == .error ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    public var severity: Severity
    /// The key concerned, or the file for a problem with the file itself.
    public var key: String
    /// The value as written, already redacted when the key is secret.
    public var value: String?
    /// Where the value came from: `/etc/ecs/ecs.config:12`, `environment`, `config.json`.
    public var source: String?
    /// What is wrong, and the expected form.
    public var message: String

    public init(_ severity: Severity, key: String, value: String? = nil, source: String? = nil, message: String) {
        self.severity = severity
        self.key = key
        self.value = value
        self.source = source
        self.message = message
    }

    public var description: String {
        var head = "\(severity.rawValue): \(key)"
        if let value { head += "=\(Self.quoteIfNeeded(value))" }
        if let source { head += " (\(source))" }
        return "\(head): \(message)"
    }

    static func quoteIfNeeded(_ value: String) -> String {
        if value.isEmpty || value.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" }) {
            let escaped = value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
            return "\"\(escaped)\""
        }
        return value
    }
}
