public import ECSModel

/// The effective configuration: a value for every key that has one, where each came from,
/// and every problem found on the way.
public struct ResolvedConfig: Sendable {
    public var values: [String: ConfigValue]
    /// Where a value was set (`/etc/ecs/ecs.config:3`, `environment`, the JSON file); absent
    /// for defaults.
    public var origins: [String: String]
    public var problems: [ConfigProblem]
    public var jsonOnlyFields: [String: JSONValue]
    public var jsonFilePath: String

    public var errors: [ConfigProblem] { problems.filter { $0.severity == .error } }
    public var hasErrors: Bool { problems.contains { $0.severity == .error } }

    // MARK: typed access

    public func string(_ key: String) -> String? {
        if case .string(let s)? = values[key] { return s }
        return nil
    }

    public func bool(_ key: String) -> Bool {
        if case .bool(let b)? = values[key] { return b }
        return false
    }

    public func duration(_ key: String) -> Duration {
        if case .duration(let d)? = values[key] { return d }
        return .zero
    }

    public func int(_ key: String) -> Int {
        if case .int(let i)? = values[key] { return i }
        return 0
    }

    public func ports(_ key: String) -> [UInt16] {
        if case .ports(let p)? = values[key] { return p }
        return []
    }

    public func strings(_ key: String) -> [String] {
        if case .strings(let s)? = values[key] { return s }
        return []
    }

    public func map(_ key: String) -> [String: String] {
        if case .map(let m)? = values[key] { return m }
        return [:]
    }

    public var cluster: String { string("ECS_CLUSTER") ?? "default" }
    public var region: String? { string("AWS_DEFAULT_REGION") }
    public var dockerEndpoint: String { string("DOCKER_HOST") ?? "unix:///var/run/docker.sock" }
    public var dataDirectory: String { string("ECS_DATADIR") ?? "/var/lib/ecs/data" }
    public var checkpointEnabled: Bool { bool("ECS_CHECKPOINT") }
    /// ECS_LOGLEVEL: debug, info, warn, error, crit or none.
    public var logLevel: String { string("ECS_LOGLEVEL") ?? "info" }
    public var containerStopTimeout: Duration { duration("ECS_CONTAINER_STOP_TIMEOUT") }
    public var dynamicHostPortRange: PortRange {
        if case .portRange(let r)? = values["ECS_DYNAMIC_HOST_PORT_RANGE"] { return r }
        return .init(start: 49153, end: 65535)
    }
    public var taskMetadataRateLimit: RateLimit {
        if case .rateLimit(let r)? = values["ECS_TASK_METADATA_RPS_LIMIT"] { return r }
        return .init(steady: 40, burst: 60)
    }

    // MARK: display

    /// `KEY=value` lines for every key, secrets redacted, each with where it came from.
    public func redactedDump() -> [String] {
        ConfigCatalogue.all.compactMap { spec -> String? in
            guard let value = values[spec.name] else { return "\(spec.name)=" + "    # unset: \(spec.summary)" }
            let shown = spec.secret ? "<redacted>" : value.display
            let origin = origins[spec.name] ?? "default"
            return "\(spec.name)=\(shown)    # \(origin)"
        }
    }
}

