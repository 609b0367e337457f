/// ECS services as the API shows them (DescribeServices, CreateService, ...).
public struct ECSService: Codable, Sendable, Equatable {
    public var serviceArn: String?
    public var serviceName: String?
    public var clusterArn: String?
    public var status: String?
    public var desiredCount: Int?
    public var runningCount: Int?
    public var pendingCount: Int?
    public var launchType: String?
    public var taskDefinition: String?
    public var deploymentConfiguration: DeploymentConfiguration?
    public var deployments: [Deployment]?
    public var events: [ServiceEvent]?
    public var createdAt: Double?
    public var createdBy: String?
    public var placementConstraints: [PlacementConstraint]?
    public var placementStrategy: [PlacementStrategy]?
    public var schedulingStrategy: String?
    public var loadBalancers: [JSONValue]?
    public var serviceRegistries: [JSONValue]?
    public var healthCheckGracePeriodSeconds: Int?
    public var enableECSManagedTags: Bool?
    public var enableExecuteCommand: Bool?
    public var propagateTags: String?
    public var deploymentController: DeploymentController?
    public var tags: [Tag]?

    public init() {}
}

public struct PlacementStrategy: Codable, Sendable, Hashable {
    public var type: String?
    public var field: String?

    public init(type: String? = nil, field: String? = nil) {
        self.type = type
        self.field = field
    }
}

public struct DeploymentController: Codable, Sendable, Equatable {
    public var type: String?
    public init(type: String? = nil) { self.type = type }
}

public struct DeploymentConfiguration: Codable, Sendable, Equatable {
    public var maximumPercent: Int?
    public var minimumHealthyPercent: Int?
    public var deploymentCircuitBreaker: DeploymentCircuitBreaker?

    public init(maximumPercent: Int? = nil, minimumHealthyPercent: Int? = nil) {
        self.maximumPercent = maximumPercent
        self.minimumHealthyPercent = minimumHealthyPercent
    }
}

public struct DeploymentCircuitBreaker: Codable, Sendable, Equatable {
    public var enable: Bool?
    public var rollback: Bool?
}

public struct Deployment: Codable, Sendable, Equatable {
    public var id: String?
    public var status: String?
    public var taskDefinition: String?
    public var desiredCount: Int?
    public var pendingCount: Int?
    public var runningCount: Int?
    public var failedTasks: Int?
    public var createdAt: Double?
    public var updatedAt: Double?
    public var launchType: String?
    public var rolloutState: String?
    public var rolloutStateReason: String?

    public init() {}
}

public struct ServiceEvent: Codable, Sendable, Equatable {
    public var id: String?
    public var createdAt: Double?
    public var message: String?

    public init(id: String? = nil, createdAt: Double? = nil, message: String? = nil) {
        self.id = id
        self.createdAt = createdAt
        self.message = message
    }
}
