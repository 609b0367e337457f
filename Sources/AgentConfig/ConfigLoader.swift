import ECSModel

/// What a file read returned; injected so that tests never touch the real file system.
public enum FileRead: Sendable {
    case contents(String)
    case missing
    case unreadable(String)
}

/// Where configuration comes from. Production fills it from the process and the disk
/// (`ConfigSources.system`); tests build it by hand.
public struct ConfigSources: Sendable {
    /// The process environment (only catalogue keys and `ECS_*` keys are looked at).
    public var environment: [String: String]
    /// ecs.config files, lowest precedence first: `/var/lib/ecs/ecs.config`, `/etc/ecs/ecs.config`.
    public var envFilePaths: [String]
    /// Facts of the host used for dynamic defaults.
    public var ephemeralPortRange: PortRange?
    public var readFile: @Sendable (String) -> FileRead

    public init(
        environment: [String: String], envFilePaths: [String], ephemeralPortRange: PortRange? = nil,
        readFile: @escaping @Sendable (String) -> FileRead
    ) {
        self.environment = environment
        self.envFilePaths = envFilePaths
        self.ephemeralPortRange = ephemeralPortRange
        self.readFile = readFile
    }

    public static let defaultEnvFilePaths = ["/var/lib/ecs/ecs.config", "/etc/ecs/ecs.config"]
}

/// Turns sources into a resolved configuration, following config.md §1.1:
/// environment > /etc/ecs/ecs.config > /var/lib/ecs/ecs.config > JSON file > defaults, field by
/// field, where an empty (Go "zero") value falls through to the next source.
public enum ConfigLoader {
    public static func load(_ sources: ConfigSources) -> ResolvedConfig {
        var problems: [ConfigProblem] = []
        var envLevel: [String: (value: String, source: String)] = [:]
        var fromFiles: Set<String> = []

        for path in sources.envFilePaths {
            switch sources.readFile(path) {
            case .missing:
                continue
            case .unreadable(let reason):
                problems.append(.init(.error, key: path, message: "cannot read the file: \(reason)"))
            case .contents(let text):
                let file = EnvFile(path: path, contents: text)
                problems += file.problems.map { redact($0) }
                for entry in file.entries {
                    envLevel[entry.key] = (entry.value, "\(path):\(entry.line)")
                    fromFiles.insert(entry.key)
                }
            }
        }
        for (key, value) in sources.environment where ConfigCatalogue.byName[key] != nil || key.hasPrefix("ECS_") {
            envLevel[key] = (value, "environment")
        }

        // Unknown keys: any ECS_ key, and any key written in an ecs.config file.
        for key in envLevel.keys.sorted() where ConfigCatalogue.byName[key] == nil {
            guard key.hasPrefix("ECS_") || fromFiles.contains(key) else { continue }
            var message = "not a key this agent reads; it is ignored"
            if let guess = Suggestions.closest(to: key, in: ConfigCatalogue.byName.keys) {
                message += " (did you mean \(guess)?)"
            }
            problems.append(.init(.warning, key: key, source: envLevel[key]?.source, message: message))
        }

        // The JSON file.
        let jsonPath = envLevel["ECS_AGENT_CONFIG_FILE_PATH"].map(\.value).flatMap { $0.isEmpty ? nil : $0 }
            ?? "/etc/ecs/ecs.config.json"
        var jsonFields: [String: JSONValue] = [:]
        var jsonOnly: [String: JSONValue] = [:]
        switch sources.readFile(jsonPath) {
        case .missing:
            break
        case .unreadable(let reason):
            // The Go agent ignores an unreadable file silently; we say so.
            problems.append(.init(.warning, key: jsonPath, message: "cannot read the JSON config file (\(reason)); it is ignored"))
        case .contents(let text) where text.allSatisfy(\.isWhitespace):
            break
        case .contents(let text):
            switch JSONValue.parse(text) {
            case .object(let object)?:
                for (field, value) in object {
                    if ConfigCatalogue.byJSONField[field] != nil {
                        jsonFields[field] = value
                    } else if ConfigCatalogue.jsonOnlyFields.contains(field) {
                        jsonOnly[field] = value
                    } else {
                        var message = "not a field this agent reads; it is ignored"
                        let names = Array(ConfigCatalogue.byJSONField.keys) + ConfigCatalogue.jsonOnlyFields
                        if let guess = Suggestions.closest(to: field, in: names) { message += " (did you mean \(guess)?)" }
                        problems.append(.init(.warning, key: field, source: jsonPath, message: message))
                    }
                }
            case let other?:
                problems.append(.init(.error, key: jsonPath, message: "the JSON config file must hold an object, not \(other.typeName)"))
            case nil:
                problems.append(.init(.error, key: jsonPath, message: "the JSON config file is not valid JSON"))
            }
        }

        var values: [String: ConfigValue] = [:]
        var origins: [String: String] = [:]
        for spec in ConfigCatalogue.all {
            var chosen: ConfigValue?
            if let (text, source) = envLevel[spec.name] {
                switch spec.kind.parse(text: text) {
                case .value(let v) where !v.isZero || spec.defaultValue == nil:
                    chosen = v
                    origins[spec.name] = source
                case .value, .unset:
                    break
                case .invalid(let expected):
                    problems.append(.init(.error, key: spec.name, value: shown(text, spec), source: source, message: "expected \(expected)"))
                }
                if case .noEffect(let why) = spec.scope, !text.isEmpty {
                    problems.append(.init(.notice, key: spec.name, source: source, message: "has no effect: \(why)"))
                }
            }
            if chosen == nil, spec.scope == .agent, let field = spec.jsonField, let json = jsonFields[field] {
                switch spec.kind.parse(json: json) {
                case .value(let v) where !v.isZero || spec.defaultValue == nil:
                    chosen = v
                    origins[spec.name] = "\(jsonPath) \(field)"
                case .value, .unset:
                    break
                case .invalid(let expected):
                    problems.append(.init(.error, key: field, value: spec.secret ? "<redacted>" : json.jsonText, source: jsonPath, message: "expected \(expected)"))
                }
            }
            if var value = chosen {
                let (bounded, note) = spec.kind.bound(value, default: spec.defaultValue)
                if let note {
                    problems.append(.init(.warning, key: spec.name, value: shown(value.display, spec), source: origins[spec.name], message: note))
                    value = bounded
                }
                values[spec.name] = value
            } else if let d = spec.defaultValue {
                values[spec.name] = d
            }
        }

        applyCrossKeyRules(&values, &origins, &problems, jsonOnly: jsonOnly, jsonPath: jsonPath, sources: sources)
        problems.sort { ($0.severity, $0.key) < ($1.severity, $1.key) }
        return ResolvedConfig(values: values, origins: origins, problems: problems, jsonOnlyFields: jsonOnly, jsonFilePath: jsonPath)
    }

    private static func applyCrossKeyRules(
        _ values: inout [String: ConfigValue], _ origins: inout [String: String], _ problems: inout [ConfigProblem],
        jsonOnly: [String: JSONValue], jsonPath: String, sources: ConfigSources
    ) {
        // The deprecated JSON field ClusterArn fills Cluster when Cluster was not given.
        if origins["ECS_CLUSTER"] == nil, let arn = jsonOnly["ClusterArn"]?.stringValue, !arn.isEmpty {
            values["ECS_CLUSTER"] = .string(arn)
            origins["ECS_CLUSTER"] = "\(jsonPath) ClusterArn"
        }
        // The rate limit is two integer fields in the JSON file.
        if origins["ECS_TASK_METADATA_RPS_LIMIT"] == nil,
           let steady = jsonOnly["TaskMetadataSteadyStateRate"]?.intValue, let burst = jsonOnly["TaskMetadataBurstRate"]?.intValue {
            if steady > 0 && burst > 0 {
                values["ECS_TASK_METADATA_RPS_LIMIT"] = .rateLimit(.init(steady: Int(steady), burst: Int(burst)))
                origins["ECS_TASK_METADATA_RPS_LIMIT"] = jsonPath
            } else {
                problems.append(.init(.error, key: "TaskMetadataSteadyStateRate", value: "\(steady),\(burst)", source: jsonPath,
                                      message: "expected two positive whole numbers"))
            }
        }
        if values["ECS_DYNAMIC_HOST_PORT_RANGE"] == nil {
            values["ECS_DYNAMIC_HOST_PORT_RANGE"] = .portRange(sources.ephemeralPortRange ?? .init(start: 49153, end: 65535))
        }
        if values["ECS_LOGLEVEL_ON_INSTANCE"] == nil, let level = values["ECS_LOGLEVEL"] {
            values["ECS_LOGLEVEL_ON_INSTANCE"] = level
        }
        if case .bool(true) = values["ECS_ENABLE_PROMETHEUS_METRICS"], case .ports(var ports) = values["ECS_RESERVED_PORTS"], !ports.contains(51680) {
            ports.append(51680)
            values["ECS_RESERVED_PORTS"] = .ports(ports)
        }
        let region = values["AWS_DEFAULT_REGION"]
        if case .bool(true) = values["ECS_EXTERNAL"], region == nil {
            problems.append(.init(.error, key: "AWS_DEFAULT_REGION", source: origins["ECS_EXTERNAL"],
                                  message: "required when ECS_EXTERNAL=true (there is no instance metadata to read it from)"))
        } else if region == nil {
            problems.append(.init(.notice, key: "AWS_DEFAULT_REGION",
                                  message: "not set; the region will be read from instance metadata at start"))
        }
        let authType = values["ECS_ENGINE_AUTH_TYPE"], authData = values["ECS_ENGINE_AUTH_DATA"]
        if authType != nil && authData == nil {
            problems.append(.init(.warning, key: "ECS_ENGINE_AUTH_DATA", message: "ECS_ENGINE_AUTH_TYPE is set but there is no auth data; private registries are pulled without credentials"))
        } else if authType == nil && authData != nil {
            problems.append(.init(.warning, key: "ECS_ENGINE_AUTH_TYPE", message: "ECS_ENGINE_AUTH_DATA is set without a type (docker or dockercfg); it is not used"))
        } else if case .string(let type)? = authType, case .string(let data)? = authData {
            for problem in RegistryAuth.validate(type: type, data: data) {
                problems.append(.init(.error, key: "ECS_ENGINE_AUTH_DATA", value: "<redacted>", source: origins["ECS_ENGINE_AUTH_DATA"], message: problem))
            }
        }
        if case .bool(true) = values["ECS_ENABLE_TASK_ENI"] {
            problems.append(.init(.warning, key: "ECS_ENABLE_TASK_ENI", source: origins["ECS_ENABLE_TASK_ENI"],
                                  message: "awsvpc network mode is not supported by this agent; it is not advertised"))
        }
    }

    private static func shown(_ text: String, _ spec: ConfigKeySpec) -> String {
        spec.secret ? "<redacted>" : text
    }

    private static func redact(_ problem: ConfigProblem) -> ConfigProblem {
        var p = problem
        if ConfigCatalogue.isSecret(p.key), p.value != nil { p.value = "<redacted>" }
        return p
    }
}
