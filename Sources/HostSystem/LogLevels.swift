public import Logging

/// The levels of `ECS_LOGLEVEL` (debug, info, warn, error, crit, none) in swift-log terms.
public enum AgentLogLevel {
    /// nil for `none`: nothing is logged.
    public static func parse(_ text: String) -> Logger.Level?? {
        switch text.lowercased() {
        case "trace": .some(.trace)
        case "debug": .some(.debug)
        case "info": .some(.info)
        case "warn", "warning": .some(.warning)
        case "error": .some(.error)
        case "crit", "critical": .some(.critical)
        case "none", "off": .some(nil)
        default: nil
        }
    }
}

/// Where the agent's own log goes.
public enum LogDestination: String, Sendable, CaseIterable {
    case journald, stderr
    /// journald when started by systemd (`JOURNAL_STREAM` set) and the socket exists, else stderr.
    case auto

    public func resolved(environment: [String: String]) -> LogDestination {
        guard self == .auto else { return self }
        return environment["JOURNAL_STREAM"] != nil && JournaldLogHandler.isAvailable ? .journald : .stderr
    }
}

/// Sets up swift-log once for the process.
public enum AgentLogging {
    public static func bootstrap(destination: LogDestination, level: Logger.Level?, identifier: String = "ecs-agent") {
        LoggingSystem.bootstrap { label in
            guard let level else { return SwiftLogNoOpLogHandler(label) }
            switch destination {
            case .journald: return JournaldLogHandler(label: label, identifier: identifier, level: level)
            case .stderr, .auto: return StderrLogHandler(label: label, level: level)
            }
        }
    }
}
