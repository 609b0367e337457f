public import TaskEngine

/// What the agent as a whole knows that the endpoints show (cluster, its own ARN, IMDS facts).
public struct AgentFacts: Sendable {
    public var cluster: String
    /// Nil until the agent has registered.
    public var containerInstanceArn: String?
    /// `Amazon ECS Agent - v<version> (<commit>)`, the form monitoring tools parse.
    public var version: String
    public var availabilityZone = ""
    public var availabilityZoneID = ""
    public var vpcID = ""

    public init(cluster: String, containerInstanceArn: String?, version: String) {
        self.cluster = cluster
        self.containerInstanceArn = containerInstanceArn
        self.version = version
    }
}

/// What Docker says about a container that the engine's record does not keep: read once per
/// container start (docker inspect), not per request.
public struct ContainerFacts: Sendable, Equatable {
    public var imageID = ""
    public var labels: [String: String] = [:]
    /// RFC 3339 in UTC as Docker wrote them (nanoseconds kept); nil when unset.
    public var createdAt: String?
    public var startedAt: String?
    public var finishedAt: String?
    /// `HostConfig.NetworkMode` and the top-level addresses, for the single-network fallback.
    public var networkMode = ""
    public var ipAddress = ""
    public var globalIPv6Address = ""
    /// `NetworkSettings.Networks`, sorted by name.
    public var networks: [Network] = []
    public var mounts: [Mount] = []
    /// The last health check's exit code and output (`State.Health.Log`).
    public var healthExitCode = 0
    public var healthOutput = ""

    public struct Network: Sendable, Equatable {
        public var name: String
        public var ipv4: String
        public var ipv6: String
        public init(name: String, ipv4: String, ipv6: String = "") {
            self.name = name
            self.ipv4 = ipv4
            self.ipv6 = ipv6
        }
    }

    public struct Mount: Sendable, Equatable {
        public var name: String
        public var source: String
        public var destination: String
        public init(name: String, source: String, destination: String) {
            self.name = name
            self.source = source
            self.destination = destination
        }
    }

    public init() {}
}

public protocol ContainerFactsSource: Sendable {
    /// Nil when Docker does not know the container (or does not answer in time). `state`
    /// changes when the engine saw the container change (stopped, restarted): a source that
    /// caches reads again then.
    func facts(dockerID: String, state: String) async -> ContainerFacts?
}

extension ContainerRecord {
    /// What `ContainerFactsSource.facts(dockerID:state:)` keys its cache on.
    var factsState: String { "\(known.rawValue)-\(restartCount ?? 0)-\(health.rawValue)" }
}

/// Role credentials by their ID (the ACS-fed store).
public protocol CredentialsSource: Sendable {
    func credentials(id: String) async -> RoleCredentials?
}

public struct RoleCredentials: Sendable, Equatable {
    public enum Role: String, Sendable { case task = "TaskApplication", execution = "TaskExecution" }
    public var taskArn: String
    public var role: Role
    public var roleArn: String
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String
    /// Echoed verbatim from the control plane.
    public var expiration: String

    public init(taskArn: String, role: Role, roleArn: String, accessKeyId: String, secretAccessKey: String, sessionToken: String, expiration: String) {
        self.taskArn = taskArn
        self.role = role
        self.roleArn = roleArn
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }
}

/// Everything the endpoints read. The records come from the engine's board; the rest through
/// narrow protocols so tests give fixed answers.
public struct EndpointSources: Sendable {
    public var board: TaskBoard
    public var agent: @Sendable () -> AgentFacts
    public var facts: any ContainerFactsSource
    public var credentials: any CredentialsSource
    public var stats: (any StatsSource)?
    /// Whether the engine has restored its saved tasks: until then an unknown credentials ID
    /// may belong to one of them, and is answered 503, never 400.
    public var restored: @Sendable () -> Bool
    /// awslogs shipping per container (this agent's own `/v1/logs`); nil when the agent does
    /// not ship (Docker's driver does, or shipping has not started yet).
    public var logShipping: @Sendable () -> [LogShippingView]? = { nil }
    /// The ACS and TCS sessions (this agent's own `/v1/connections`); nil before registration.
    public var connections: @Sendable () -> ConnectionsView? = { nil }

    public init(board: TaskBoard, agent: @escaping @Sendable () -> AgentFacts, facts: any ContainerFactsSource,
                credentials: any CredentialsSource, stats: (any StatsSource)? = nil, restored: @escaping @Sendable () -> Bool = { true }) {
        self.board = board
        self.restored = restored
        self.agent = agent
        self.facts = facts
        self.credentials = credentials
        self.stats = stats
    }
}

/// One container's awslogs shipping, as `/v1/logs` shows it.
public struct LogShippingView: Sendable, Equatable {
    public var taskArn: String
    public var containerName: String
    public var dockerID: String
    public var group: String
    public var stream: String
    public var following: Bool
    public var shippedEvents: Int
    public var rejectedEvents: Int
    public var gaps: Int
    public var lastError: String?

    public init(taskArn: String, containerName: String, dockerID: String, group: String, stream: String, following: Bool,
                shippedEvents: Int, rejectedEvents: Int, gaps: Int, lastError: String?) {
        self.taskArn = taskArn
        self.containerName = containerName
        self.dockerID = dockerID
        self.group = group
        self.stream = stream
        self.following = following
        self.shippedEvents = shippedEvents
        self.rejectedEvents = rejectedEvents
        self.gaps = gaps
        self.lastError = lastError
    }
}

/// The control-plane sessions, as `/v1/connections` shows them (`ecs-agent status` reads it).
public struct ConnectionsView: Sendable, Equatable {
    public var acsConnected: Bool
    public var acsConnections: Int
    /// RFC 3339, UTC.
    public var acsConnectedSince: String?
    public var acsLastEnd: String?
    public var tcsConnected: Bool

    public init(acsConnected: Bool, acsConnections: Int, acsConnectedSince: String?, acsLastEnd: String?, tcsConnected: Bool) {
        self.acsConnected = acsConnected
        self.acsConnections = acsConnections
        self.acsConnectedSince = acsConnectedSince
        self.acsLastEnd = acsLastEnd
        self.tcsConnected = tcsConnected
    }
}
