/// TCS (telemetry) messages, protocol.md §5.3. Timestamps are epoch seconds as JSON numbers.

public struct TCSMetadata: Codable, Sendable, Hashable {
    public var cluster: String?
    public var containerInstance: String?
    public var messageId: String?
    public var requestId: String?
    public var idle: Bool?
    public var fin: Bool?
    public init(cluster: String?, containerInstance: String?, messageId: String? = nil, requestId: String? = nil, idle: Bool? = nil, fin: Bool? = nil) {
        self.cluster = cluster
        self.containerInstance = containerInstance
        self.messageId = messageId
        self.requestId = requestId
        self.idle = idle
        self.fin = fin
    }
}

/// `{min, max, sampleCount, sum}`: CPU in percent of one core, memory in MiB.
public struct CWStatsSet: Codable, Sendable, Hashable {
    public var min: Double?
    public var max: Double?
    public var sampleCount: Int64?
    public var sum: Double?

    public init(min: Double? = nil, max: Double? = nil, sampleCount: Int64? = nil, sum: Double? = nil) {
        self.min = min
        self.max = max
        self.sampleCount = sampleCount
        self.sum = sum
    }

    /// The set of `samples` (nil when there are none).
    public init?(samples: [Double]) {
        guard let first = samples.first else { return nil }
        self.init(min: samples.min() ?? first, max: samples.max() ?? first, sampleCount: Int64(samples.count), sum: samples.reduce(0, +))
    }
}

public struct ContainerMetric: Codable, Sendable, Hashable {
    public var containerName: String?
    public var cpuStatsSet: CWStatsSet?
    public var memoryStatsSet: CWStatsSet?
    public init(containerName: String?, cpuStatsSet: CWStatsSet?, memoryStatsSet: CWStatsSet?) {
        self.containerName = containerName
        self.cpuStatsSet = cpuStatsSet
        self.memoryStatsSet = memoryStatsSet
    }
}

public struct TaskMetric: Codable, Sendable, Hashable {
    public var taskArn: String?
    public var clusterArn: String?
    public var taskDefinitionFamily: String?
    public var taskDefinitionVersion: String?
    public var containerMetrics: [ContainerMetric]?
    public init(taskArn: String?, clusterArn: String?, taskDefinitionFamily: String?, taskDefinitionVersion: String?, containerMetrics: [ContainerMetric]?) {
        self.taskArn = taskArn
        self.clusterArn = clusterArn
        self.taskDefinitionFamily = taskDefinitionFamily
        self.taskDefinitionVersion = taskDefinitionVersion
        self.containerMetrics = containerMetrics
    }
}

public struct PublishMetricsRequest: Codable, Sendable, Hashable {
    public var metadata: TCSMetadata?
    public var taskMetrics: [TaskMetric]?
    public var timestamp: Double?
    public init(metadata: TCSMetadata?, taskMetrics: [TaskMetric]?, timestamp: Double?) {
        self.metadata = metadata
        self.taskMetrics = taskMetrics
        self.timestamp = timestamp
    }
}

public struct ContainerHealth: Codable, Sendable, Hashable {
    public var containerName: String?
    /// HEALTHY, UNHEALTHY or UNKNOWN.
    public var healthStatus: String?
    public var statusSince: Double?
    public var statusMessage: String?
    public init(containerName: String?, healthStatus: String?, statusSince: Double?, statusMessage: String? = nil) {
        self.containerName = containerName
        self.healthStatus = healthStatus
        self.statusSince = statusSince
        self.statusMessage = statusMessage
    }
}

public struct TaskHealth: Codable, Sendable, Hashable {
    public var taskArn: String?
    public var clusterArn: String?
    public var taskDefinitionFamily: String?
    public var taskDefinitionVersion: String?
    public var containers: [ContainerHealth]?
    public init(taskArn: String?, clusterArn: String?, taskDefinitionFamily: String?, taskDefinitionVersion: String?, containers: [ContainerHealth]?) {
        self.taskArn = taskArn
        self.clusterArn = clusterArn
        self.taskDefinitionFamily = taskDefinitionFamily
        self.taskDefinitionVersion = taskDefinitionVersion
        self.containers = containers
    }
}

public struct PublishHealthRequest: Codable, Sendable, Hashable {
    public var metadata: TCSMetadata?
    public var tasks: [TaskHealth]?
    public var timestamp: Double?
    public init(metadata: TCSMetadata?, tasks: [TaskHealth]?, timestamp: Double?) {
        self.metadata = metadata
        self.tasks = tasks
        self.timestamp = timestamp
    }
}

public struct InstanceStatus: Codable, Sendable, Hashable {
    /// ContainerRuntime, Agent, EBSDaemon, ACCELERATED_COMPUTE.
    public var type: String?
    /// OK, IMPAIRED, INSUFFICIENT_DATA, INITIALIZING.
    public var status: String?
    public var statusReason: String?
    public var lastUpdated: Double?
    public var lastStatusChange: Double?
    public init(type: String?, status: String?, statusReason: String? = nil, lastUpdated: Double?, lastStatusChange: Double?) {
        self.type = type
        self.status = status
        self.statusReason = statusReason
        self.lastUpdated = lastUpdated
        self.lastStatusChange = lastStatusChange
    }
}

public struct PublishInstanceStatusRequest: Codable, Sendable, Hashable {
    public var metadata: TCSMetadata?
    public var statuses: [InstanceStatus]?
    public var timestamp: Double?
    public init(metadata: TCSMetadata?, statuses: [InstanceStatus]?, timestamp: Double?) {
        self.metadata = metadata
        self.statuses = statuses
        self.timestamp = timestamp
    }
}
