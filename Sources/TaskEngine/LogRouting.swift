public import ECSModel

/// How containers' logs leave the host (engine.md §11, issue 7).
public struct LoggingPolicy: Sendable {
    /// The agent follows awslogs containers' output and ships it itself (default); false passes
    /// awslogs to Docker's driver as the reference agent does.
    public var agentShipsAwslogs = true
    /// The local driver's options for containers the agent ships: Docker keeps this much of
    /// their output while CloudWatch is away.
    public var localDriverOptions: [String: String] = ["max-size": "20m", "max-file": "5", "compress": "false"]
    /// ECS_AVAILABLE_LOGGING_DRIVERS; nil: no check.
    public var availableDrivers: Set<String>?
    /// ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE: Docker's driver gets the execution role's
    /// credentials endpoint.
    public var executionRoleOverride = true
    public init() {}
}

public enum LogRouting {
    /// The container's log driver and options, as the backend put them in `dockerConfig.hostConfig`.
    public static func logConfig(of container: ACSContainer) -> (driver: String, options: [String: String])? {
        guard let text = container.dockerConfig?.hostConfig else { return nil }
        return logConfig(JSONValue.parse(text)?["LogConfig"])
    }

    /// `{"Type": ..., "Config": {...}}` read; nil without a driver.
    static func logConfig(_ config: JSONValue?) -> (driver: String, options: [String: String])? {
        guard let config, let driver = config["Type"]?.stringValue, !driver.isEmpty else { return nil }
        var options: [String: String] = [:]
        for (k, v) in config["Config"]?.objectValue ?? [:] { if let s = v.stringValue { options[k] = s } }
        return (driver, options)
    }

    /// The awslogs options of a container whose output the agent ships; nil for the others.
    public static func shippedByAgent(_ container: ACSContainer, policy: LoggingPolicy) -> AwslogsOptions? {
        guard policy.agentShipsAwslogs, let (driver, options) = logConfig(of: container), driver == "awslogs" else { return nil }
        return try? AwslogsOptions(options)
    }

    /// `HostConfig.LogConfig` for the create call. Refuses a driver the instance does not offer
    /// and awslogs options Docker's driver would refuse, naming the option.
    /// `given`: the `LogConfig` of the backend's hostConfig, already parsed by the caller.
    static func hostLogConfig(_ given: JSONValue?, container: ACSContainer, task: ACSTask, policy: LoggingPolicy,
                              executionCredentialsID: String?) throws(CreateRequestError) -> JSONValue? {
        guard let (driver, found) = logConfig(given) else { return given }
        var options = found
        let name = container.name ?? ""
        if let available = policy.availableDrivers, !available.contains(driver) {
            throw CreateRequestError("CannotCreateContainerError: container \(name) asks for log driver \(driver), which this instance does not offer (ECS_AVAILABLE_LOGGING_DRIVERS: \(available.sorted().joined(separator: ", ")))")
        }
        if driver == "awslogs" {
            let parsed: AwslogsOptions
            do { parsed = try AwslogsOptions(options) } catch {
                throw CreateRequestError("CannotCreateContainerError: container \(name): awslogs: \(error.description)")
            }
            if policy.agentShipsAwslogs {
                // Docker keeps the output in rotated local files; the agent follows and ships it.
                return object("local", policy.localDriverOptions)
            }
            // Docker's driver does not know the prefix: the stream name ECS documents instead.
            if options.removeValue(forKey: "awslogs-stream-prefix") != nil, options["awslogs-stream"] == nil, let arn = task.arn {
                options["awslogs-stream"] = parsed.stream(containerName: name, taskArn: arn, dockerID: "")
            }
            if policy.executionRoleOverride, container.logsAuthStrategy == "ExecutionRole", let id = executionCredentialsID {
                options["awslogs-credentials-endpoint"] = "/v2/credentials/\(id)"
            }
        }
        if options["mode"] == "non-blocking" && options["max-buffer-size"] == nil { options["max-buffer-size"] = "10m" }
        return object(driver, options)
    }

    static func object(_ driver: String, _ options: [String: String]) -> JSONValue {
        .object(["Type": .string(driver), "Config": .object(options.mapValues { .string($0) })])
    }
}

/// The agent's own awslogs shipping, as the engine sees it.
public protocol ContainerLogShipping: Sendable {
    /// The container is running (started, or found running after a restart): ship its output
    /// from where shipping stopped, if its log configuration asks the agent to.
    func follow(task: ACSTask, container: ACSContainer, dockerID: String)
    /// Before the container is removed: waits until its output is shipped (within a limit).
    func finished(dockerID: String) async
}
