/// SubmitTaskStateChange input (protocol.md §2.5, shape a).
public struct TaskStateChangeRequest: Codable, Sendable, Hashable {
    public var cluster: String?
    public var task: String?
    /// PENDING, RUNNING or STOPPED.
    public var status: String?
    /// Always present, possibly "" (≤ 1024 characters).
    public var reason: String?
    public var containers: [ContainerStateChangeEntry]?
    public var pullStartedAt: Double?
    public var pullStoppedAt: Double?
    public var executionStoppedAt: Double?

    public init(cluster: String?, task: String?, status: String?, reason: String = "", containers: [ContainerStateChangeEntry]? = nil,
                pullStartedAt: Double? = nil, pullStoppedAt: Double? = nil, executionStoppedAt: Double? = nil) {
        self.cluster = cluster
        self.task = task
        self.status = status
        self.reason = String(reason.prefix(1024))
        self.containers = containers
        self.pullStartedAt = pullStartedAt
        self.pullStoppedAt = pullStoppedAt
        self.executionStoppedAt = executionStoppedAt
    }
}

public struct ContainerStateChangeEntry: Codable, Sendable, Hashable {
    public var containerName: String?
    public var runtimeId: String?
    public var status: String?
    public var exitCode: Int?
    public var reason: String?
    public var imageDigest: String?
    public var networkBindings: [NetworkBinding]?

    public init(containerName: String?, runtimeId: String? = nil, status: String?, exitCode: Int? = nil, reason: String? = nil,
                imageDigest: String? = nil, networkBindings: [NetworkBinding]? = nil) {
        self.containerName = containerName
        self.runtimeId = runtimeId
        self.status = status
        self.exitCode = exitCode
        self.reason = reason.map { String($0.prefix(1024)) }
        self.imageDigest = imageDigest
        self.networkBindings = networkBindings
    }
}
