/// The body of `POST /volumes/create`.
public struct VolumeCreateBody: Codable, Sendable {
    public var name: String
    public var driver: String?
    public var driverOpts: [String: String]?
    public var labels: [String: String]?
    public init(name: String, driver: String? = nil, driverOpts: [String: String]? = nil, labels: [String: String]? = nil) {
        self.name = name
        self.driver = driver
        self.driverOpts = driverOpts
        self.labels = labels
    }
    enum CodingKeys: String, CodingKey { case name = "Name", driver = "Driver", driverOpts = "DriverOpts", labels = "Labels" }
}

/// `GET /volumes/{name}`.
public struct Volume: Codable, Sendable {
    public var name: String
    public var driver: String?
    public var mountpoint: String?
    public var labels: [String: String]?
    public var options: [String: String]?
    public var scope: String?
    enum CodingKeys: String, CodingKey {
        case name = "Name", driver = "Driver", mountpoint = "Mountpoint", labels = "Labels", options = "Options", scope = "Scope"
    }
}

struct VolumeList: Codable, Sendable {
    var volumes: [Volume]?
    enum CodingKeys: String, CodingKey { case volumes = "Volumes" }
}

/// The body of `POST /containers/{id}/exec`.
public struct ExecCreateBody: Codable, Sendable {
    public var cmd: [String]
    public var attachStdout: Bool?
    public var attachStderr: Bool?
    public var env: [String]?
    public var user: String?
    public var workingDir: String?
    public var tty: Bool?
    public init(cmd: [String], attachStdout: Bool = true, attachStderr: Bool = true, env: [String]? = nil, user: String? = nil, workingDir: String? = nil) {
        self.cmd = cmd
        self.attachStdout = attachStdout
        self.attachStderr = attachStderr
        self.env = env
        self.user = user
        self.workingDir = workingDir
    }
    enum CodingKeys: String, CodingKey {
        case cmd = "Cmd", attachStdout = "AttachStdout", attachStderr = "AttachStderr", env = "Env"
        case user = "User", workingDir = "WorkingDir", tty = "Tty"
    }
}

struct IDResponse: Codable, Sendable {
    var id: String
    enum CodingKeys: String, CodingKey { case id = "Id" }
}

/// `GET /exec/{id}/json`.
public struct ExecInspect: Codable, Sendable {
    public var id: String
    public var running: Bool
    public var exitCode: Int?
    public var pid: Int?
    enum CodingKeys: String, CodingKey { case id = "ID", running = "Running", exitCode = "ExitCode", pid = "Pid" }
}

/// What `execRun` collected.
public struct ExecResult: Sendable {
    public var exitCode: Int
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}
