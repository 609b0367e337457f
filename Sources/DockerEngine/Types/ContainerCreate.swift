/// The body of `POST /containers/create`: Docker's Config with HostConfig and NetworkingConfig
/// inlined, as the API expects. Every field is optional and left out when nil.
public struct ContainerCreateBody: Codable, Sendable {
    public var hostname: String?
    public var domainname: String?
    public var user: String?
    public var attachStdin: Bool?
    public var attachStdout: Bool?
    public var attachStderr: Bool?
    public var exposedPorts: [String: EmptyObject]?
    public var tty: Bool?
    public var openStdin: Bool?
    public var env: [String]?
    public var cmd: [String]?
    public var healthcheck: HealthConfig?
    public var entrypoint: [String]?
    public var image: String?
    public var volumes: [String: EmptyObject]?
    public var workingDir: String?
    public var labels: [String: String]?
    public var stopSignal: String?
    public var stopTimeout: Int?
    public var hostConfig: HostConfig?
    public var networkingConfig: NetworkingConfig?

    public init(image: String, cmd: [String]? = nil, labels: [String: String]? = nil) {
        self.image = image
        self.cmd = cmd
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey {
        case hostname = "Hostname", domainname = "Domainname", user = "User", attachStdin = "AttachStdin"
        case attachStdout = "AttachStdout", attachStderr = "AttachStderr", exposedPorts = "ExposedPorts"
        case tty = "Tty", openStdin = "OpenStdin", env = "Env", cmd = "Cmd", healthcheck = "Healthcheck"
        case entrypoint = "Entrypoint", image = "Image", volumes = "Volumes", workingDir = "WorkingDir"
        case labels = "Labels", stopSignal = "StopSignal", stopTimeout = "StopTimeout"
        case hostConfig = "HostConfig", networkingConfig = "NetworkingConfig"
    }
}

/// `{}` in Docker's JSON (ExposedPorts and Volumes are sets written as maps to empty objects).
public struct EmptyObject: Codable, Sendable, Hashable {
    public init() {}
}

public struct HealthConfig: Codable, Sendable, Hashable {
    /// `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]`.
    public var test: [String]?
    /// Nanoseconds, as Docker wants them.
    public var interval: Int64?
    public var timeout: Int64?
    public var startPeriod: Int64?
    public var retries: Int?

    public init(test: [String]?, interval: Int64? = nil, timeout: Int64? = nil, startPeriod: Int64? = nil, retries: Int? = nil) {
        self.test = test
        self.interval = interval
        self.timeout = timeout
        self.startPeriod = startPeriod
        self.retries = retries
    }

    enum CodingKeys: String, CodingKey {
        case test = "Test", interval = "Interval", timeout = "Timeout", startPeriod = "StartPeriod", retries = "Retries"
    }
}

public struct HostConfig: Codable, Sendable {
    public var binds: [String]?
    public var portBindings: [String: [PortBinding]]?
    public var networkMode: String?
    public var memory: Int64?
    public var memoryReservation: Int64?
    public var memorySwap: Int64?
    public var cpuShares: Int?
    public var cpuQuota: Int64?
    public var cpuPeriod: Int64?
    public var privileged: Bool?
    public var readonlyRootfs: Bool?
    public var dns: [String]?
    public var dnsSearch: [String]?
    public var extraHosts: [String]?
    public var logConfig: LogConfig?
    public var ulimits: [Ulimit]?
    public var capAdd: [String]?
    public var capDrop: [String]?
    public var init_: Bool?
    public var tmpfs: [String: String]?
    public var shmSize: Int64?
    public var volumesFrom: [String]?
    public var restartPolicy: RestartPolicy?
    public var securityOpt: [String]?
    public var sysctls: [String: String]?
    public var pidMode: String?
    public var ipcMode: String?
    public var links: [String]?
    public var autoRemove: Bool?
    public var cgroupParent: String?
    public var mounts: [Mount]?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case binds = "Binds", portBindings = "PortBindings", networkMode = "NetworkMode", memory = "Memory"
        case memoryReservation = "MemoryReservation", memorySwap = "MemorySwap", cpuShares = "CpuShares"
        case cpuQuota = "CpuQuota", cpuPeriod = "CpuPeriod", privileged = "Privileged"
        case readonlyRootfs = "ReadonlyRootfs", dns = "Dns", dnsSearch = "DnsSearch", extraHosts = "ExtraHosts"
        case logConfig = "LogConfig", ulimits = "Ulimits", capAdd = "CapAdd", capDrop = "CapDrop", init_ = "Init"
        case tmpfs = "Tmpfs", shmSize = "ShmSize", volumesFrom = "VolumesFrom", restartPolicy = "RestartPolicy"
        case securityOpt = "SecurityOpt", sysctls = "Sysctls", pidMode = "PidMode", ipcMode = "IpcMode"
        case links = "Links", autoRemove = "AutoRemove", cgroupParent = "CgroupParent", mounts = "Mounts"
    }
}

public struct PortBinding: Codable, Sendable, Hashable {
    public var hostIp: String?
    public var hostPort: String?
    public init(hostIp: String? = nil, hostPort: String?) {
        self.hostIp = hostIp
        self.hostPort = hostPort
    }
    enum CodingKeys: String, CodingKey { case hostIp = "HostIp", hostPort = "HostPort" }
}

public struct LogConfig: Codable, Sendable, Hashable {
    public var type: String
    public var config: [String: String]?
    public init(type: String, config: [String: String]? = nil) {
        self.type = type
        self.config = config
    }
    enum CodingKeys: String, CodingKey { case type = "Type", config = "Config" }
}

public struct Ulimit: Codable, Sendable, Hashable {
    public var name: String
    public var soft: Int64
    public var hard: Int64
    public init(name: String, soft: Int64, hard: Int64) {
        self.name = name
        self.soft = soft
        self.hard = hard
    }
    enum CodingKeys: String, CodingKey { case name = "Name", soft = "Soft", hard = "Hard" }
}

public struct RestartPolicy: Codable, Sendable, Hashable {
    public var name: String
    public var maximumRetryCount: Int?
    public init(name: String, maximumRetryCount: Int? = nil) {
        self.name = name
        self.maximumRetryCount = maximumRetryCount
    }
    enum CodingKeys: String, CodingKey { case name = "Name", maximumRetryCount = "MaximumRetryCount" }
}

public struct Mount: Codable, Sendable, Hashable {
    public var type: String
    public var source: String?
    public var target: String
    public var readOnly: Bool?
    public init(type: String, source: String?, target: String, readOnly: Bool? = nil) {
        self.type = type
        self.source = source
        self.target = target
        self.readOnly = readOnly
    }
    enum CodingKeys: String, CodingKey { case type = "Type", source = "Source", target = "Target", readOnly = "ReadOnly" }
}

public struct NetworkingConfig: Codable, Sendable {
    public var endpointsConfig: [String: EndpointSettings]?
    public init(endpointsConfig: [String: EndpointSettings]?) { self.endpointsConfig = endpointsConfig }
    enum CodingKeys: String, CodingKey { case endpointsConfig = "EndpointsConfig" }
}

public struct EndpointSettings: Codable, Sendable {
    public var aliases: [String]?
    public var networkID: String?
    public var ipAddress: String?
    public var gateway: String?
    public var macAddress: String?
    public var globalIPv6Address: String?
    public init(aliases: [String]? = nil) { self.aliases = aliases }
    enum CodingKeys: String, CodingKey {
        case aliases = "Aliases", networkID = "NetworkID", ipAddress = "IPAddress", gateway = "Gateway", macAddress = "MacAddress"
        case globalIPv6Address = "GlobalIPv6Address"
    }
}

/// The answer of `POST /containers/create`.
public struct ContainerCreateResponse: Codable, Sendable {
    public var id: String
    public var warnings: [String]?
    enum CodingKeys: String, CodingKey { case id = "Id", warnings = "Warnings" }
}
