/// `GET /containers/{id}/json`, the fields the agent reads.
public struct ContainerInspect: Codable, Sendable {
    public var id: String
    public var name: String?
    public var created: String?
    public var image: String?
    public var restartCount: Int?
    public var state: ContainerState?
    public var config: Config?
    public var hostConfig: InspectHostConfig?
    public var networkSettings: NetworkSettings?
    public var mounts: [MountPoint]?

    public struct Config: Codable, Sendable {
        public var image: String?
        public var labels: [String: String]?
        public var env: [String]?
        public var tty: Bool?
        public var cmd: [String]?
        public var stopSignal: String?
        enum CodingKeys: String, CodingKey {
            case image = "Image", labels = "Labels", env = "Env", tty = "Tty", cmd = "Cmd", stopSignal = "StopSignal"
        }
    }

    public struct InspectHostConfig: Codable, Sendable {
        public var networkMode: String?
        public var memory: Int64?
        public var cpuShares: Int?
        public var logConfig: LogConfig?
        enum CodingKeys: String, CodingKey {
            case networkMode = "NetworkMode", memory = "Memory", cpuShares = "CpuShares", logConfig = "LogConfig"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", name = "Name", created = "Created", image = "Image", restartCount = "RestartCount"
        case state = "State", config = "Config", hostConfig = "HostConfig", networkSettings = "NetworkSettings"
        case mounts = "Mounts"
    }
}

public struct ContainerState: Codable, Sendable {
    /// created, running, paused, restarting, removing, exited or dead.
    public var status: String
    public var running: Bool?
    public var paused: Bool?
    public var restarting: Bool?
    public var oomKilled: Bool?
    public var dead: Bool?
    public var pid: Int?
    public var exitCode: Int?
    public var error: String?
    public var startedAt: String?
    public var finishedAt: String?
    public var health: Health?

    public struct Health: Codable, Sendable {
        /// starting, healthy or unhealthy.
        public var status: String
        public var failingStreak: Int?
        public var log: [HealthLog]?
        enum CodingKeys: String, CodingKey { case status = "Status", failingStreak = "FailingStreak", log = "Log" }
    }

    public struct HealthLog: Codable, Sendable {
        public var start: String?
        public var end: String?
        public var exitCode: Int?
        public var output: String?
        enum CodingKeys: String, CodingKey { case start = "Start", end = "End", exitCode = "ExitCode", output = "Output" }
    }

    enum CodingKeys: String, CodingKey {
        case status = "Status", running = "Running", paused = "Paused", restarting = "Restarting"
        case oomKilled = "OOMKilled", dead = "Dead", pid = "Pid", exitCode = "ExitCode", error = "Error"
        case startedAt = "StartedAt", finishedAt = "FinishedAt", health = "Health"
    }
}

public struct NetworkSettings: Codable, Sendable {
    public var ipAddress: String?
    public var globalIPv6Address: String?
    /// `"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "49153"}]`; null for unpublished ports.
    public var ports: [String: [PortBinding]?]?
    public var networks: [String: EndpointSettings]?
    enum CodingKeys: String, CodingKey { case ipAddress = "IPAddress", globalIPv6Address = "GlobalIPv6Address", ports = "Ports", networks = "Networks" }
}

public struct MountPoint: Codable, Sendable {
    public var type: String?
    public var name: String?
    public var source: String?
    public var destination: String?
    public var rw: Bool?
    enum CodingKeys: String, CodingKey {
        case type = "Type", name = "Name", source = "Source", destination = "Destination", rw = "RW"
    }
}

/// One row of `GET /containers/json`.
public struct ContainerSummary: Codable, Sendable {
    public var id: String
    public var names: [String]?
    public var image: String?
    public var imageID: String?
    public var created: Int64?
    public var state: String?
    public var status: String?
    public var labels: [String: String]?
    enum CodingKeys: String, CodingKey {
        case id = "Id", names = "Names", image = "Image", imageID = "ImageID", created = "Created"
        case state = "State", status = "Status", labels = "Labels"
    }
}

/// The answer of `POST /containers/{id}/wait`.
public struct ContainerWaitResponse: Codable, Sendable {
    public var statusCode: Int
    public var error: WaitError?
    public struct WaitError: Codable, Sendable {
        public var message: String?
        enum CodingKeys: String, CodingKey { case message = "Message" }
    }
    enum CodingKeys: String, CodingKey { case statusCode = "StatusCode", error = "Error" }
}
