/// Container and task statuses (engine.md §1). Numeric order matters: known and desired
/// statuses only move up, and "next" is one step up.

public enum ContainerStatus: Int, Sendable, Comparable, CaseIterable, Codable {
    case none = 0, manifestPulled, pulled, created, running, resourcesProvisioned, stopped
    /// Sentinel maximum; never assigned.
    case zombie

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// The persisted and logged name.
    public var wire: String {
        switch self {
        case .none: "NONE"
        case .manifestPulled: "MANIFEST_PULLED"
        case .pulled: "PULLED"
        case .created: "CREATED"
        case .running: "RUNNING"
        case .resourcesProvisioned: "RESOURCES_PROVISIONED"
        case .stopped: "STOPPED"
        case .zombie: "ZOMBIE"
        }
    }

    /// Reads a name, including the legacy `UNKNOWN` (NONE) and `DEAD` (STOPPED).
    public init?(wire: String) {
        switch wire {
        case "NONE", "UNKNOWN": self = .none
        case "MANIFEST_PULLED": self = .manifestPulled
        case "PULLED": self = .pulled
        case "CREATED": self = .created
        case "RUNNING": self = .running
        case "RESOURCES_PROVISIONED": self = .resourcesProvisioned
        case "STOPPED", "DEAD": self = .stopped
        case "ZOMBIE": self = .zombie
        default: return nil
        }
    }

    /// The status after this one for a container whose steady state is `steady`: STOPPED once
    /// steady, else one step up (NONE → MANIFEST_PULLED → PULLED → CREATED → RUNNING → STOPPED).
    public func next(steady: ContainerStatus) -> ContainerStatus {
        if self == steady || self >= .stopped { return .stopped }
        return ContainerStatus(rawValue: rawValue + 1) ?? .stopped
    }

    public var isRunning: Bool { self == .running || self == .resourcesProvisioned }

    /// What a container at this status contributes to its task's status.
    public func taskContribution(steady: ContainerStatus) -> TaskStatus {
        switch self {
        case .none: .none
        case _ where self == steady: .running
        case .manifestPulled, .pulled: .manifestPulled
        case .created: .created
        case .running: .created // running, but its steady state is RESOURCES_PROVISIONED
        case .resourcesProvisioned: .created
        case .stopped, .zombie: .stopped
        }
    }

    /// The status reported to ECS, if any: RUNNING at the steady state, STOPPED, PENDING for a
    /// resolved manifest digest; nothing otherwise.
    public func reported(steady: ContainerStatus, digestResolved: Bool) -> String? {
        if self == steady { return "RUNNING" }
        if self == .stopped { return "STOPPED" }
        if self == .manifestPulled && digestResolved { return "PENDING" }
        return nil
    }
}

public enum TaskStatus: Int, Sendable, Comparable, CaseIterable, Codable {
    case none = 0, manifestPulled, pulled, created, running, stopped, zombie

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// PULLED has no name of its own and prints as NONE, as in the Go agent.
    public var wire: String {
        switch self {
        case .none, .pulled: "NONE"
        case .manifestPulled: "MANIFEST_PULLED"
        case .created: "CREATED"
        case .running: "RUNNING"
        case .stopped: "STOPPED"
        case .zombie: "ZOMBIE"
        }
    }

    /// A desired status as ACS sends it (RUNNING, STOPPED, and the rarer names of protocol.md §4.4).
    public init?(desired wire: String) {
        switch wire {
        case "NONE", "UNKNOWN": self = .none
        case "MANIFEST_PULLED": self = .manifestPulled
        case "CREATED": self = .created
        case "RUNNING": self = .running
        case "STOPPED", "DEAD": self = .stopped
        default: return nil
        }
    }

    /// The desired status of a container of a task that wants this status.
    public func containerDesired(steady: ContainerStatus) -> ContainerStatus {
        switch self {
        case .none, .pulled: .none
        case .manifestPulled: .manifestPulled
        case .created: .created
        case .running: steady
        case .stopped, .zombie: .stopped
        }
    }

    /// Reported to ECS: RUNNING and STOPPED, and PENDING for MANIFEST_PULLED when a digest was resolved.
    public func reported(digestResolved: Bool) -> String? {
        switch self {
        case .running: "RUNNING"
        case .stopped: "STOPPED"
        case .manifestPulled where digestResolved: "PENDING"
        default: nil
        }
    }
}
