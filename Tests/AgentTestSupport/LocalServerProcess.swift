import Foundation

/// A real `ecs-local serve` process on a free loopback port, with its own data directory.
/// `stop()` sends SIGTERM and returns the exit status.
public final class LocalServerProcess: @unchecked Sendable {
    public static let accessKeyId = "AKIAECSLOCALTESTKEY1"
    public static let secretAccessKey = "ecs-local-test-secret"

    public let process = Process()
    public let dataDirectory: String
    public private(set) var url = ""
    public var port: Int { Int(url.split(separator: ":").last ?? "0") ?? 0 }
    private let output = Pipe()
    private let lock = NSLock()
    private var logText = ""

    public init(dataDirectory: String? = nil, extraArguments: [String] = []) throws {
        self.dataDirectory = try dataDirectory ?? TestEnvironment.temporaryDirectory("ecs-local")
        process.executableURL = URL(fileURLWithPath: TestEnvironment.productsDirectory + "/ecs-local")
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--data-dir", self.dataDirectory, "--log-level", "debug"] + extraArguments
        var env = ProcessInfo.processInfo.environment
        env["ECS_LOCAL_ACCESS_KEY_ID"] = Self.accessKeyId
        env["ECS_LOCAL_SECRET_ACCESS_KEY"] = Self.secretAccessKey
        env.removeValue(forKey: "JOURNAL_STREAM")
        process.environment = env
        process.standardOutput = output
        process.standardError = output
    }

    /// Starts the server and waits until it says where it listens.
    public func start(timeout: Duration = .seconds(20)) async throws {
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            // Empty data is end of file: stop, or the handler is called again and again.
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            guard let self else { return }
            self.lock.withLock { self.logText += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        try await eventually(timeout: timeout, "ecs-local to announce its address") {
            guard process.isRunning else { throw FixtureError("ecs-local exited: \(log)") }
            let text = log
            guard let range = text.range(of: "ecs-local listening on ") else { return false }
            let rest = text[range.upperBound...]
            guard let end = rest.firstIndex(of: "\n") else { return false }
            url = String(rest[..<end])
            return true
        }
    }

    public var log: String { lock.withLock { logText } }

    /// SIGTERM, then the exit status (SIGKILL after `timeout`).
    @discardableResult
    public func stop(timeout: Duration = .seconds(15)) async -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// The real `aws` CLI against a local endpoint.
public struct AWSCLI: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var status: Int32
        public var output: String
        public var description: String { "aws exited \(status): \(output)" }
    }

    public var endpoint: String
    public var accessKeyId = LocalServerProcess.accessKeyId
    public var secretAccessKey = LocalServerProcess.secretAccessKey
    public var region = "us-west-2"

    public init(endpoint: String) {
        self.endpoint = endpoint
    }

    /// Runs `aws --endpoint-url ... ecs <arguments> --output json` and parses its output.
    @discardableResult
    public func ecs(_ arguments: [String]) async throws -> [String: Any] {
        let (status, out, err) = try await raw(["ecs"] + arguments)
        guard status == 0 else { throw Failure(status: status, output: err + out) }
        if out.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [:] }
        guard let object = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any] else {
            throw Failure(status: status, output: "not a JSON object: \(out)")
        }
        return object
    }

    /// The CLI takes most of a second to start; it runs on a dispatch thread so that it never
    /// holds one of Swift concurrency's few cooperative threads (other tests' deadlines would
    /// fire late).
    public func raw(_ arguments: [String]) async throws -> (Int32, String, String) {
        try await Subprocess.runDetached { try self.rawBlocking(arguments) }
    }

    func rawBlocking(_ arguments: [String]) throws -> (Int32, String, String) {
        var env = ProcessInfo.processInfo.environment
        env["AWS_ACCESS_KEY_ID"] = accessKeyId
        env["AWS_SECRET_ACCESS_KEY"] = secretAccessKey
        env["AWS_DEFAULT_REGION"] = region
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        env["AWS_CONFIG_FILE"] = "/dev/null"
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        env.removeValue(forKey: "AWS_SESSION_TOKEN")
        env.removeValue(forKey: "AWS_PROFILE")
        let result = try Subprocess.run(["aws", "--endpoint-url", endpoint, "--output", "json"] + arguments, environment: env)
        return (result.status, result.stdout, result.stderr)
    }
}

extension Dictionary where Key == String, Value == Any {
    public subscript(path path: String) -> Any? {
        var current: Any? = self
        for part in path.split(separator: ".") {
            if let index = Int(part), let array = current as? [Any] {
                current = index < array.count ? array[index] : nil
            } else {
                current = (current as? [String: Any])?[String(part)]
            }
        }
        return current
    }

    public func string(_ path: String) -> String? { self[path: path] as? String }
}

/// moto_server (PyPI `moto`, on every machine with awscli) on a free loopback port: STS,
/// CloudWatch Logs, SSM and Secrets Manager for tests.
public final class MotoServer: @unchecked Sendable {
    public let process = Process()
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    public init() throws {
        port = try MotoServer.freePort()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["moto_server", "-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
    }

    public func start() async throws {
        try process.run()
        try await eventually(timeout: .seconds(30), "moto_server on port \(port)") {
            guard process.isRunning else { throw FixtureError("moto_server exited; is PyPI moto installed? (scripts/setup-host installs it)") }
            return MotoServer.accepts(port: port)
        }
    }

    /// SIGTERM, then SIGKILL after two seconds: moto_server does not always stop on SIGTERM,
    /// and Foundation's waitUntilExit spins while it waits.
    public func stop() {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        for _ in 0..<40 where process.isRunning { usleep(50_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    deinit { stop() }

    /// Whether something accepts TCP connections on the loopback port.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        guard bound == 0 else { throw FixtureError("cannot bind a loopback port") }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
