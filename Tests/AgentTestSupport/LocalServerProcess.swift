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
    private let output = OutputCapture()

    public init(dataDirectory: String? = nil, port: Int = 0, extraArguments: [String] = []) throws {
        self.dataDirectory = try dataDirectory ?? TestEnvironment.temporaryDirectory("ecs-local")
        process.executableURL = URL(fileURLWithPath: TestEnvironment.productsDirectory + "/ecs-local")
        process.arguments = ["serve", "--listen", "127.0.0.1:\(port)", "--data-dir", self.dataDirectory, "--log-level", "debug"] + extraArguments
        var env = ProcessInfo.processInfo.environment
        env["ECS_LOCAL_ACCESS_KEY_ID"] = Self.accessKeyId
        env["ECS_LOCAL_SECRET_ACCESS_KEY"] = Self.secretAccessKey
        env.removeValue(forKey: "JOURNAL_STREAM")
        process.environment = env
        output.attach(to: process)
    }

    /// Starts the server and waits until it says where it listens.
    public func start(timeout: Duration = .seconds(20)) async throws {
        try process.run()
        ChildReaper.register(process.processIdentifier)
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

    public var log: String { output.output }

    /// SIGTERM, then the exit status (SIGKILL after `timeout`).
    @discardableResult
    public func stop(timeout: Duration = .seconds(15)) async -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        await waitForExit(process, limit: timeout)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        await waitForExit(process, limit: .seconds(30))
        ChildReaper.unregister(process.processIdentifier)
        output.stop()
        // Foundation may not have seen the exit yet; terminationStatus would trap.
        return process.isRunning ? -1 : process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
