import Foundation

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

    /// Runs `aws --endpoint-url ... <arguments> --output json` for any service and parses its output.
    @discardableResult
    public func json(_ arguments: [String]) async throws -> [String: Any] {
        let (status, out, err) = try await raw(arguments)
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
