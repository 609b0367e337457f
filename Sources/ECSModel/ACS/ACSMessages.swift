/// ACS websocket messages (../shared/spec/protocol.md §4). Every frame is a text frame holding
/// `{"type": "<TypeName>", "message": {...}}`; `ACSEnvelope` reads and writes that wrapper.

public struct ACSPayloadMessage: Codable, Sendable {
    public var messageId: String?
    public var clusterArn: String?
    public var containerInstanceArn: String?
    public var seqNum: Int64?
    public var generatedAt: Int64?
    public var timeline: Int64?
    public var tasks: [ACSTask]?

    public init(messageId: String, clusterArn: String, containerInstanceArn: String, seqNum: Int64, generatedAt: Int64, tasks: [ACSTask]) {
        self.messageId = messageId
        self.clusterArn = clusterArn
        self.containerInstanceArn = containerInstanceArn
        self.seqNum = seqNum
        self.generatedAt = generatedAt
        self.tasks = tasks
    }
}

public struct ACSTask: Codable, Sendable {
    public var arn: String?
    public var family: String?
    public var version: String?
    public var desiredStatus: String?
    public var containers: [ACSContainer]?
    public var volumes: [ACSVolume]?
    public var cpu: Double?
    public var memory: Int?
    public var networkMode: String?
    public var pidMode: String?
    public var ipcMode: String?
    public var launchType: String?
    public var serviceName: String?
    public var group: String?
    public var roleCredentials: IAMRoleCredentials?
    public var executionRoleCredentials: IAMRoleCredentials?
    public var taskDefinitionAccountId: String?

    public init() {}
}

extension ACSTask {
    /// The task without its role credentials: what may be written to disk.
    public var withoutCredentials: ACSTask {
        var copy = self
        copy.roleCredentials = nil
        copy.executionRoleCredentials = nil
        return copy
    }
}

public struct ACSContainer: Codable, Sendable {
    public var name: String?
    public var image: String?
    public var cpu: Int?
    public var memory: Int?
    public var essential: Bool?
    public var command: [String]?
    public var entryPoint: [String]?
    public var environment: [String: String]?
    public var environmentFiles: [EnvironmentFile]?
    public var links: [String]?
    public var portMappings: [ACSPortMapping]?
    public var mountPoints: [MountPoint]?
    public var volumesFrom: [VolumeFrom]?
    public var dockerConfig: DockerConfig?
    public var overrides: String?
    public var secrets: [ACSSecret]?
    public var logsAuthStrategy: String?
    public var healthCheckType: String?
    public var dependsOn: [ContainerDependency]?
    public var startTimeout: Int?
    public var stopTimeout: Int?
    public var restartPolicy: ContainerRestartPolicy?
    public var containerArn: String?
    public var registryAuthentication: RegistryAuthentication?

    public init() {}
}

/// How to authenticate the pull of one container's image (protocol.md §4.6): an ECR token, or
/// a username and password kept in Secrets Manager. Absent: ECS_ENGINE_AUTH_TYPE/DATA apply.
public struct RegistryAuthentication: Codable, Sendable, Hashable {
    public var type: String?
    public var ecrAuthData: ECRAuthData?
    public var asmAuthData: ASMAuthData?

    public struct ECRAuthData: Codable, Sendable, Hashable {
        public var registryId: String?
        public var region: String?
        public var endpointOverride: String?
        public var useExecutionRole: Bool?
        public init(registryId: String? = nil, region: String? = nil, endpointOverride: String? = nil, useExecutionRole: Bool? = nil) {
            self.registryId = registryId
            self.region = region
            self.endpointOverride = endpointOverride
            self.useExecutionRole = useExecutionRole
        }
    }

    public struct ASMAuthData: Codable, Sendable, Hashable {
        public var credentialsParameter: String?
        public var region: String?
        public init(credentialsParameter: String? = nil, region: String? = nil) {
            self.credentialsParameter = credentialsParameter
            self.region = region
        }
    }

    public init(type: String? = nil, ecrAuthData: ECRAuthData? = nil, asmAuthData: ASMAuthData? = nil) {
        self.type = type
        self.ecrAuthData = ecrAuthData
        self.asmAuthData = asmAuthData
    }
}

public struct ACSPortMapping: Codable, Sendable, Hashable {
    public var containerPort: Int?
    public var hostPort: Int?
    public var containerPortRange: String?
    public var protocol_: String?

    public init(containerPort: Int? = nil, hostPort: Int? = nil, containerPortRange: String? = nil, protocol_: String? = nil) {
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.containerPortRange = containerPortRange
        self.protocol_ = protocol_
    }

    enum CodingKeys: String, CodingKey { case containerPort, hostPort, containerPortRange, protocol_ = "protocol" }
}

/// Docker Engine API JSON, as strings, to overlay on the agent's own create request.
public struct DockerConfig: Codable, Sendable, Hashable {
    public var config: String?
    public var hostConfig: String?
    public var version: String?
    public init(config: String?, hostConfig: String?, version: String?) {
        self.config = config
        self.hostConfig = hostConfig
        self.version = version
    }
}

public struct ACSSecret: Codable, Sendable, Hashable {
    public var name: String?
    public var valueFrom: String?
    public var type: String?
    public var provider: String?
    public var region: String?
    public var containerPath: String?
    public var target: String?
    public init() {}
}

public struct ACSVolume: Codable, Sendable, Hashable {
    public var name: String?
    public var type: String?
    public var host: Volume.Host?
    public var dockerVolumeConfiguration: Volume.DockerVolumeConfiguration?
    public init() {}
}

public struct IAMRoleCredentials: Codable, Sendable, Hashable, CustomStringConvertible {
    public var credentialsId: String?
    public var roleArn: String?
    public var accessKeyId: String?
    public var secretAccessKey: String?
    public var sessionToken: String?
    public var expiration: String?

    public init(credentialsId: String, roleArn: String, accessKeyId: String, secretAccessKey: String, sessionToken: String?, expiration: String) {
        self.credentialsId = credentialsId
        self.roleArn = roleArn
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    public var description: String { "IAMRoleCredentials(\(credentialsId ?? "?"), \(roleArn ?? "?"), secret <redacted>)" }
}

public struct ACSAckRequest: Codable, Sendable, Hashable {
    public var cluster: String?
    public var containerInstance: String?
    public var messageId: String?
    public init(cluster: String?, containerInstance: String?, messageId: String?) {
        self.cluster = cluster
        self.containerInstance = containerInstance
        self.messageId = messageId
    }
}

public struct ACSHeartbeatMessage: Codable, Sendable, Hashable {
    public var healthy: Bool?
    public var messageId: String?
    public init(healthy: Bool?, messageId: String?) {
        self.healthy = healthy
        self.messageId = messageId
    }
}

public struct ACSHeartbeatAckRequest: Codable, Sendable, Hashable {
    public var messageId: String?
    public init(messageId: String?) { self.messageId = messageId }
}

public struct ACSIAMRoleCredentialsMessage: Codable, Sendable {
    public var messageId: String?
    public var clusterArn: String?
    public var taskArn: String?
    public var taskClusterArn: String?
    public var roleType: String?
    public var roleCredentials: IAMRoleCredentials?
    public init() {}
}

public struct ACSIAMRoleCredentialsAckRequest: Codable, Sendable, Hashable {
    public var messageId: String?
    public var expiration: String?
    public var credentialsId: String?
    public init(messageId: String?, expiration: String?, credentialsId: String?) {
        self.messageId = messageId
        self.expiration = expiration
        self.credentialsId = credentialsId
    }
}

public struct ACSCloseMessage: Codable, Sendable, Hashable {
    public var message: String?
    public init(message: String?) { self.message = message }
}

public struct ACSTaskIdentifier: Codable, Sendable, Hashable {
    public var taskArn: String?
    public var taskClusterArn: String?
    public var desiredStatus: String?
    public init(taskArn: String?, taskClusterArn: String?, desiredStatus: String?) {
        self.taskArn = taskArn
        self.taskClusterArn = taskClusterArn
        self.desiredStatus = desiredStatus
    }
}

/// The tasks an instance should be running; `timeline` shares the payload seqNum counter.
public struct ACSTaskManifestMessage: Codable, Sendable {
    public var clusterArn: String?
    public var containerInstanceArn: String?
    public var messageId: String?
    public var generatedAt: Int64?
    public var timeline: Int64?
    public var tasks: [ACSTaskIdentifier]?
    public init() {}
}

public struct ACSTaskStopVerificationMessage: Codable, Sendable {
    public var messageId: String?
    public var stopCandidates: [ACSTaskIdentifier]?
    public init(messageId: String?, stopCandidates: [ACSTaskIdentifier]?) {
        self.messageId = messageId
        self.stopCandidates = stopCandidates
    }
}

public struct ACSTaskStopVerificationAck: Codable, Sendable {
    public var messageId: String?
    public var generatedAt: Int64?
    public var stopTasks: [ACSTaskIdentifier]?
    public init(messageId: String?, generatedAt: Int64?, stopTasks: [ACSTaskIdentifier]?) {
        self.messageId = messageId
        self.generatedAt = generatedAt
        self.stopTasks = stopTasks
    }
}

public struct ACSNackRequest: Codable, Sendable, Hashable {
    public var cluster: String?
    public var containerInstance: String?
    public var messageId: String?
    public var reason: String?
    public init(cluster: String?, containerInstance: String?, messageId: String?, reason: String?) {
        self.cluster = cluster
        self.containerInstance = containerInstance
        self.messageId = messageId
        self.reason = reason
    }
}
