/// `GET /version`.
public struct DockerVersion: Codable, Sendable {
    public var version: String
    public var apiVersion: String
    public var minAPIVersion: String?
    public var os: String?
    public var arch: String?
    public var kernelVersion: String?

    enum CodingKeys: String, CodingKey {
        case version = "Version", apiVersion = "ApiVersion", minAPIVersion = "MinAPIVersion"
        case os = "Os", arch = "Arch", kernelVersion = "KernelVersion"
    }
}

/// `GET /info`, the fields the agent looks at.
public struct DockerInfo: Codable, Sendable {
    public var id: String?
    public var containers: Int?
    public var containersRunning: Int?
    public var images: Int?
    public var driver: String?
    public var loggingDriver: String?
    public var cgroupDriver: String?
    public var cgroupVersion: String?
    public var kernelVersion: String?
    public var operatingSystem: String?
    public var osType: String?
    public var ncpu: Int?
    public var memTotal: Int64?
    public var serverVersion: String?
    public var dockerRootDir: String?
    public var plugins: Plugins?
    public var securityOptions: [String]?
    public var warnings: [String]?
    public var liveRestoreEnabled: Bool?

    public struct Plugins: Codable, Sendable {
        public var volume: [String]?
        public var network: [String]?
        public var log: [String]?
        enum CodingKeys: String, CodingKey { case volume = "Volume", network = "Network", log = "Log" }
    }

    enum CodingKeys: String, CodingKey {
        case id = "ID", containers = "Containers", containersRunning = "ContainersRunning", images = "Images"
        case driver = "Driver", loggingDriver = "LoggingDriver", cgroupDriver = "CgroupDriver"
        case cgroupVersion = "CgroupVersion", kernelVersion = "KernelVersion", operatingSystem = "OperatingSystem"
        case osType = "OSType", ncpu = "NCPU", memTotal = "MemTotal", serverVersion = "ServerVersion"
        case dockerRootDir = "DockerRootDir", plugins = "Plugins", securityOptions = "SecurityOptions"
        case warnings = "Warnings", liveRestoreEnabled = "LiveRestoreEnabled"
    }
}
