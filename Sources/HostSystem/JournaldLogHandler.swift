import CSystemd
public import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A swift-log handler that writes each entry to journald through `sd_journal_sendv`.
///
/// Fields: `MESSAGE`, `PRIORITY` (syslog level), `SYSLOG_IDENTIFIER`, `CODE_FILE`,
/// `CODE_LINE`, `CODE_FUNC`, `LOGGER` (the logger's label), and one field per metadata key,
/// upper-snake-cased (`taskArn` → `TASK_ARN`, `dockerId` → `DOCKER_ID`) so that
/// `journalctl TASK_ARN=...` finds every line of a task. Values of keys that name secrets are
/// replaced by `<redacted>` (see `Redaction`).
public struct JournaldLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let identifier: String

    public init(label: String, identifier: String = "ecs-agent", level: Logger.Level = .info,
                metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.identifier = identifier
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String] = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(Self.priority(event.level))",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
            "LOGGER=\(label)",
        ]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            guard let name = Self.fieldName(key) else { continue }
            fields.append("\(name)=\(Redaction.value(for: key, value))")
        }
        Self.send(fields)
    }

    /// syslog priorities as journald expects them.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// `taskArn` → `TASK_ARN`. journald accepts `[A-Z0-9_]`, at most 64 characters, not
    /// starting with `_` or a digit; keys that cannot be made so are dropped. Names of
    /// journald's own fields are prefixed with `ECS_` so that metadata can never forge them.
    static func fieldName(_ key: String) -> String? {
        var out = ""
        var previousLower = false
        for scalar in key.unicodeScalars {
            if scalar.properties.isUppercase && previousLower { out.append("_") }
            previousLower = scalar.properties.isLowercase || ("0"..."9").contains(scalar)
            switch scalar {
            case "a"..."z": out.unicodeScalars.append(Unicode.Scalar(scalar.value - 32)!)
            case "A"..."Z", "0"..."9", "_": out.unicodeScalars.append(scalar)
            case "-", ".", " ": out.append("_")
            default: continue
            }
        }
        while out.hasPrefix("_") { out.removeFirst() }
        guard let first = out.unicodeScalars.first, !("0"..."9").contains(first) else { return nil }
        if reserved.contains(out) { out = "ECS_" + out }
        return String(out.prefix(64))
    }

    static let reserved: Set<String> = [
        "MESSAGE", "MESSAGE_ID", "PRIORITY", "SYSLOG_IDENTIFIER", "SYSLOG_FACILITY", "SYSLOG_PID",
        "CODE_FILE", "CODE_LINE", "CODE_FUNC", "LOGGER", "ERRNO", "INVOCATION_ID", "USER_INVOCATION_ID",
    ]

    /// Sends one entry. A failure to log is not reported anywhere: there is nowhere left to say it.
    static func send(_ fields: [String]) {
        // One buffer for all fields, so a single pinned pointer serves every iovec.
        var bytes: [UInt8] = []
        var ranges: [(Int, Int)] = []
        for field in fields {
            ranges.append((bytes.count, field.utf8.count))
            bytes.append(contentsOf: field.utf8)
        }
        bytes.withUnsafeMutableBytes { buffer in
            let iovecs = ranges.map { offset, length in
                iovec(iov_base: buffer.baseAddress!.advanced(by: offset), iov_len: length)
            }
            _ = sd_journal_sendv(iovecs, Int32(iovecs.count))
        }
    }

    /// Whether a journald socket is there to write to.
    public static var isAvailable: Bool {
        access("/run/systemd/journal/socket", F_OK) == 0
    }
}
