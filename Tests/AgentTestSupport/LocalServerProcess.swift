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
            guard let self, !data.isEmpty else { return }
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
    public func ecs(_ arguments: [String]) throws -> [String: Any] {
        let (status, out, err) = try raw(["ecs"] + arguments)
        guard status == 0 else { throw Failure(status: status, output: err + out) }
        if out.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [:] }
        guard let object = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any] else {
            throw Failure(status: status, output: "not a JSON object: \(out)")
        }
        return object
    }

    public func raw(_ arguments: [String]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["aws", "--endpoint-url", endpoint, "--output", "json"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["AWS_ACCESS_KEY_ID"] = accessKeyId
        env["AWS_SECRET_ACCESS_KEY"] = secretAccessKey
        env["AWS_DEFAULT_REGION"] = region
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        env["AWS_CONFIG_FILE"] = "/dev/null"
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        env.removeValue(forKey: "AWS_SESSION_TOKEN")
        env.removeValue(forKey: "AWS_PROFILE")
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes to the end before waiting, so a large output cannot block the CLI.
        let errData = LockedData()
        let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errData.done { usleep(1000) }
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData.value, as: UTF8.self))
    }
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var finished = false
    func set(_ d: Data) { lock.withLock { data = d; finished = true } }
    var done: Bool { lock.withLock { finished } }
    var value: Data { lock.withLock { data } }
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
