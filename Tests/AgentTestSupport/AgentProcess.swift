import Foundation

/// A real `ecs-agent run` process against a control plane on loopback, with its own data
/// directory and an empty ecs.config (the machine's /etc/ecs is never read). Instance metadata
/// is either off (ECS_EXTERNAL) or a `FakeIMDS` on loopback: never 169.254.169.254.
public final class AgentProcess: @unchecked Sendable {
    public let dataDirectory: String
    public let configFile: String
    public var environment: [String: String]
    private var process: Process?
    private var output: OutputCapture?
    private let lock = NSLock()
    private var previousLogs = ""

    public init(backend: String, cluster: String, imdsEndpoint: String? = nil, dataDirectory: String? = nil, extra: [String: String] = [:]) throws {
        self.dataDirectory = try dataDirectory ?? TestEnvironment.temporaryDirectory("agent")
        configFile = self.dataDirectory + "/ecs.config"
        try "# test: settings come from the environment\n".write(toFile: configFile, atomically: true, encoding: .utf8)
        var env: [String: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": self.dataDirectory,
            "AWS_ACCESS_KEY_ID": LocalServerProcess.accessKeyId,
            "AWS_SECRET_ACCESS_KEY": LocalServerProcess.secretAccessKey,
            "AWS_DEFAULT_REGION": "us-west-2",
            "ECS_BACKEND_HOST": backend,
            "ECS_CLUSTER": cluster,
            "ECS_DATADIR": self.dataDirectory + "/data",
            "DOCKER_HOST": TestEnvironment.dockerHost,
            "ECS_LOGLEVEL": "debug",
            // Tests run agents side by side: each takes free ports (the log line
            // "endpoint listening" names them) and keeps its audit log to itself.
            "ECS_INTROSPECTION_LISTEN_ADDRESS": "127.0.0.1:0",
            "ECS_TASK_METADATA_LISTEN_ADDRESS": "127.0.0.1:0",
            "ECS_AUDIT_LOGFILE": self.dataDirectory + "/audit.log",
            // The host's iptables rules are global: only the test about them turns them on.
            "ECS_HOST_NETWORK_RULES": "false",
        ]
        if let imdsEndpoint {
            env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imdsEndpoint
        } else {
            env["ECS_EXTERNAL"] = "true"
        }
        environment = env.merging(extra) { _, new in new }
    }

    public var pid: Int32 { process?.processIdentifier ?? 0 }
    public var isRunning: Bool { process?.isRunning ?? false }
    /// This run's output.
    public var log: String { output?.output ?? "" }
    /// Every run's output, for failure messages.
    public var allLogs: String { lock.withLock { previousLogs } + log }

    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.productsDirectory + "/ecs-agent")
        process.arguments = ["run", "--file", configFile, "--log", "stderr"]
        process.environment = environment
        let output = OutputCapture()
        output.attach(to: process)
        let finished = log
        lock.withLock { previousLogs += finished }
        try process.run()
        ChildReaper.register(process.processIdentifier)
        self.process = process
        self.output = output
    }

    /// Waits until this run's log holds `text`.
    /// The port a listener bound (`introspection`, `task-metadata`), from its "endpoint listening" line.
    public func listeningPort(_ listener: String) -> Int? {
        for line in log.split(separator: "\n") where line.contains("endpoint listening") && line.contains("listener=\(listener)") {
            guard let address = line.split(separator: " ").first(where: { $0.hasPrefix("address=") }),
                  let colon = address.lastIndex(of: ":") else { continue }
            return Int(address[address.index(after: colon)...].filter(\.isNumber))
        }
        return nil
    }

    public func waitForLog(_ text: String, timeout: Duration = .seconds(30)) async throws {
        try await eventually(timeout: timeout, "agent log line \"\(text)\"") {
            if log.contains(text) { return true }
            guard isRunning else { throw FixtureError("the agent exited (\(process?.terminationStatus ?? -1)) before logging \"\(text)\":\n\(log)") }
            return false
        }
    }

    /// SIGTERM, then the exit status (SIGKILL after `timeout`).
    @discardableResult
    public func stop(timeout: Duration = .seconds(15)) async -> Int32 {
        guard let process else { return -1 }
        if process.isRunning { process.terminate() }
        return await reap(process, timeout: timeout)
    }

    /// SIGKILL: the agent gets no chance to save anything.
    public func kill9() async {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        _ = await reap(process, timeout: .seconds(5))
    }

    private func reap(_ process: Process, timeout: Duration) async -> Int32 {
        await waitForExit(process, limit: timeout)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        await waitForExit(process, limit: .seconds(30))
        ChildReaper.unregister(process.processIdentifier)
        // Foundation may not have seen the exit yet; terminationStatus would trap.
        return process.isRunning ? -1 : process.terminationStatus
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
