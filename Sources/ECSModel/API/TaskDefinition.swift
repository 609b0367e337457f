public struct TaskDefinition: Codable, Sendable {
    public var taskDefinitionArn: String?
    public var containerDefinitions: [ContainerDefinition]?
    public var family: String?
    public var taskRoleArn: String?
    public var executionRoleArn: String?
    public var networkMode: String?
    public var revision: Int?
    public var volumes: [Volume]?
    public var status: String?
    public var requiresAttributes: [Attribute]?
    public var placementConstraints: [PlacementConstraint]?
    public var compatibilities: [String]?
    public var requiresCompatibilities: [String]?
    public var cpu: String?
    public var memory: String?
    public var pidMode: String?
    public var ipcMode: String?
    public var registeredAt: Double?
    public var deregisteredAt: Double?
    public var registeredBy: String?

    public init() {}
}

public struct PlacementConstraint: Codable, Sendable, Hashable {
    public var type: String?
    public var expression: String?

    public init(type: String? = nil, expression: String? = nil) {
        self.type = type
        self.expression = expression
    }
}

public struct ContainerDefinition: Codable, Sendable {
    public var name: String?
    public var image: String?
    public var cpu: Int?
    public var memory: Int?
    public var memoryReservation: Int?
    public var links: [String]?
    public var portMappings: [PortMapping]?
    public var essential: Bool?
    public var entryPoint: [String]?
    public var command: [String]?
    public var environment: [KeyValuePair]?
    public var environmentFiles: [EnvironmentFile]?
    public var mountPoints: [MountPoint]?
    public var volumesFrom: [VolumeFrom]?
    public var linuxParameters: LinuxParameters?
    public var secrets: [Secret]?
    public var repositoryCredentials: RepositoryCredentials?
    public var dependsOn: [ContainerDependency]?
    public var startTimeout: Int?
    public var stopTimeout: Int?
    public var hostname: String?
    public var user: String?
    public var workingDirectory: String?
    public var disableNetworking: Bool?
    public var privileged: Bool?
    public var readonlyRootFilesystem: Bool?
    public var dnsServers: [String]?
    public var dnsSearchDomains: [String]?
    public var extraHosts: [HostEntry]?
    public var dockerSecurityOptions: [String]?
    public var interactive: Bool?
    public var pseudoTerminal: Bool?
    public var dockerLabels: [String: String]?
    public var ulimits: [ContainerUlimit]?
    public var logConfiguration: LogConfiguration?
    public var healthCheck: HealthCheck?
    public var systemControls: [SystemControl]?
    public var restartPolicy: ContainerRestartPolicy?

    public init(name: String? = nil, image: String? = nil) {
        self.name = name
        self.image = image
    }
}

public struct PortMapping: Codable, Sendable, Hashable {
    public var containerPort: Int?
    public var hostPort: Int?
    public var protocol_: String?
    public var name: String?
    public var appProtocol: String?
    public var containerPortRange: String?

    public init(containerPort: Int? = nil, hostPort: Int? = nil, protocol_: String? = nil, containerPortRange: String? = nil) {
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.protocol_ = protocol_
        self.containerPortRange = containerPortRange
    }

    enum CodingKeys: String, CodingKey {
        case containerPort, hostPort, protocol_ = "protocol", name, appProtocol, containerPortRange
    }
}

public struct EnvironmentFile: Codable, Sendable, Hashable {
    public var value: String?
    public var type: String?
}

public struct MountPoint: Codable, Sendable, Hashable {
    public var sourceVolume: String?
    public var containerPath: String?
    public var readOnly: Bool?
}

public struct VolumeFrom: Codable, Sendable, Hashable {
    public var sourceContainer: String?
    public var readOnly: Bool?
}

public struct LinuxParameters: Codable, Sendable, Hashable {
    public struct Capabilities: Codable, Sendable, Hashable {
        public var add: [String]?
        public var drop: [String]?
    }
    public struct Device: Codable, Sendable, Hashable {
        public var hostPath: String?
        public var containerPath: String?
        public var permissions: [String]?
    }
    public struct Tmpfs: Codable, Sendable, Hashable {
        public var containerPath: String?
        public var size: Int?
        public var mountOptions: [String]?
    }
    public var capabilities: Capabilities?
    public var devices: [Device]?
    public var initProcessEnabled: Bool?
    public var sharedMemorySize: Int?
    public var tmpfs: [Tmpfs]?
    public var maxSwap: Int?
    public var swappiness: Int?
}

public struct Secret: Codable, Sendable, Hashable {
    public var name: String?
    public var valueFrom: String?
}

public struct ContainerDependency: Codable, Sendable, Hashable {
    public var containerName: String?
    public var condition: String?
}

public struct HostEntry: Codable, Sendable, Hashable {
    public var hostname: String?
    public var ipAddress: String?
}

public struct ContainerUlimit: Codable, Sendable, Hashable {
    public var name: String?
    public var softLimit: Int?
    public var hardLimit: Int?
}

public struct LogConfiguration: Codable, Sendable, Hashable {
    public var logDriver: String?
    public var options: [String: String]?
    public var secretOptions: [Secret]?
}

public struct HealthCheck: Codable, Sendable, Hashable {
    public var command: [String]?
    public var interval: Int?
    public var timeout: Int?
    public var retries: Int?
    public var startPeriod: Int?
}

public struct SystemControl: Codable, Sendable, Hashable {
    public var namespace: String?
    public var value: String?
}

public struct ContainerRestartPolicy: Codable, Sendable, Hashable {
    public var enabled: Bool?
    public var ignoredExitCodes: [Int]?
    public var restartAttemptPeriod: Int?
}

public struct Volume: Codable, Sendable, Hashable {
    public struct Host: Codable, Sendable, Hashable {
        public var sourcePath: String?
        public init(sourcePath: String? = nil) { self.sourcePath = sourcePath }
    }
    public struct DockerVolumeConfiguration: Codable, Sendable, Hashable {
        public var scope: String?
        public var autoprovision: Bool?
        public var driver: String?
        public var driverOpts: [String: String]?
        public var labels: [String: String]?
    }
    public var name: String?
    public var host: Host?
    public var dockerVolumeConfiguration: DockerVolumeConfiguration?
}

/// A private registry's username and password, kept in Secrets Manager.
public struct RepositoryCredentials: Codable, Sendable, Hashable {
    public var credentialsParameter: String?
    public init(credentialsParameter: String? = nil) { self.credentialsParameter = credentialsParameter }
}
