/// What a task's status follows from its containers' (engine.md §1.2, §5). Pure.
public struct ContainerState: Sendable, Hashable {
    public var name: String
    public var essential: Bool
    public var steady: ContainerStatus
    public var known: ContainerStatus
    public var desired: ContainerStatus
    public var exitCode: Int?
    public var health: Health
    public var hasHealthCheck: Bool
    /// When Docker started it (seconds since the epoch), for the dependency start timeout.
    public var startedAt: Double?
    /// The container's `startTimeout` in seconds (0: none).
    public var startTimeout: Int
    /// A Docker call toward this status is in flight.
    public var applying: ContainerStatus?

    public enum Health: String, Sendable, Hashable, Codable { case unknown = "UNKNOWN", healthy = "HEALTHY", unhealthy = "UNHEALTHY" }

    public init(name: String, essential: Bool = true, steady: ContainerStatus = .running, known: ContainerStatus = .none,
                desired: ContainerStatus = .running, exitCode: Int? = nil, health: Health = .unknown, hasHealthCheck: Bool = false,
                startedAt: Double? = nil, startTimeout: Int = 0, applying: ContainerStatus? = nil) {
        self.name = name
        self.essential = essential
        self.steady = steady
        self.known = known
        self.desired = desired
        self.exitCode = exitCode
        self.health = health
        self.hasHealthCheck = hasHealthCheck
        self.startedAt = startedAt
        self.startTimeout = startTimeout
        self.applying = applying
    }
}

public enum TaskStatusRules {
    /// The task's known status: the lowest contribution of its containers, never moving down.
    /// While the lowest container is at its steady state but an essential container has already
    /// STOPPED, the status stays where it is, so a failing task never flashes RUNNING.
    public static func known(current: TaskStatus, containers: [ContainerState]) -> TaskStatus {
        guard let lowest = containers.map({ $0.known.taskContribution(steady: $0.steady) }).min() else { return current }
        if lowest == .running && containers.contains(where: { $0.essential && $0.known == .stopped }) { return current }
        return max(current, lowest)
    }

    /// Whether the engine must move the task's desired status to STOPPED: an essential container
    /// is known or desired STOPPED.
    public static func essentialStopped(_ containers: [ContainerState]) -> Bool {
        containers.contains { $0.essential && ($0.known == .stopped || $0.desired == .stopped) }
    }

    /// A desired status only rises; an incoming one at or below the current is redundant.
    public static func raise(_ current: TaskStatus, to incoming: TaskStatus) -> TaskStatus? {
        incoming > current ? incoming : nil
    }
}
