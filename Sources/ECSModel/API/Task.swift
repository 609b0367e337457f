public struct Cluster: Codable, Sendable {
    public var clusterArn: String?
    public var clusterName: String?
    public var status: String?
    public var registeredContainerInstancesCount: Int?
    public var runningTasksCount: Int?
    public var pendingTasksCount: Int?
    public var activeServicesCount: Int?
    public var statistics: [KeyValuePair]?
    public var tags: [Tag]?
    public var settings: [ClusterSetting]?
    public var capacityProviders: [String]?

    public init(clusterArn: String, clusterName: String) {
        self.clusterArn = clusterArn
        self.clusterName = clusterName
        self.status = "ACTIVE"
    }
}

public struct ClusterSetting: Codable, Sendable, Hashable {
    public var name: String?
    public var value: String?
    public init(name: String?, value: String?) {
        self.name = name
        self.value = value
    }
}

/// A task as the ECS API shows it (`Task` in the service model).
public struct ECSTask: Codable, Sendable {
    public var taskArn: String?
    public var clusterArn: String?
    public var taskDefinitionArn: String?
    public var containerInstanceArn: String?
    public var overrides: TaskOverride?
    public var lastStatus: String?
    public var desiredStatus: String?
    public var cpu: String?
    public var memory: String?
    public var containers: [Container]?
    public var startedBy: String?
    public var version: Int?
    public var stoppedReason: String?
    public var stopCode: String?
    public var createdAt: Double?
    public var startedAt: Double?
    public var stoppingAt: Double?
    public var stoppedAt: Double?
    public var executionStoppedAt: Double?
    public var pullStartedAt: Double?
    public var pullStoppedAt: Double?
    public var connectivity: String?
    public var connectivityAt: Double?
    public var group: String?
    public var launchType: String?
    public var availabilityZone: String?
    public var attributes: [Attribute]?
    public var tags: [Tag]?
    public var healthStatus: String?
    public var enableExecuteCommand: Bool?

    public init() {}
}

public struct Container: Codable, Sendable {
    public var containerArn: String?
    public var taskArn: String?
    public var name: String?
    public var image: String?
    public var imageDigest: String?
    public var runtimeId: String?
    public var lastStatus: String?
    public var exitCode: Int?
    public var reason: String?
    public var networkBindings: [NetworkBinding]?
    public var healthStatus: String?
    public var cpu: String?
    public var memory: String?
    public var memoryReservation: String?

    public init() {}
}

public struct TaskOverride: Codable, Sendable {
    public var containerOverrides: [ContainerOverride]?
    public var cpu: String?
    public var memory: String?
    public var taskRoleArn: String?
    public var executionRoleArn: String?

    public init() {}
}

public struct ContainerOverride: Codable, Sendable {
    public var name: String?
    public var command: [String]?
    public var environment: [KeyValuePair]?
    public var environmentFiles: [EnvironmentFile]?
    public var cpu: Int?
    public var memory: Int?
    public var memoryReservation: Int?
}

public struct ContainerInstance: Codable, Sendable {
    public var containerInstanceArn: String?
    public var ec2InstanceId: String?
    public var version: Int?
    public var versionInfo: VersionInfo?
    public var remainingResources: [Resource]?
    public var registeredResources: [Resource]?
    public var status: String?
    public var statusReason: String?
    public var agentConnected: Bool?
    public var runningTasksCount: Int?
    public var pendingTasksCount: Int?
    public var attributes: [Attribute]?
    public var registeredAt: Double?
    public var tags: [Tag]?

    public init() {}
}

public struct VersionInfo: Codable, Sendable, Hashable {
    public var agentVersion: String?
    public var agentHash: String?
    public var dockerVersion: String?
    public init(agentVersion: String? = nil, agentHash: String? = nil, dockerVersion: String? = nil) {
        self.agentVersion = agentVersion
        self.agentHash = agentHash
        self.dockerVersion = dockerVersion
    }
}
