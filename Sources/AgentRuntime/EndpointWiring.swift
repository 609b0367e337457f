public import AgentConfig
import AWSSupport
import ControlPlaneClient
import DockerEngine
import ECSModel
import Endpoints
import HostSystem
import Logging
import PosixFiles
import Synchronization
import TaskEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Docker's view of a container for the endpoints, read once per container state (inspect),
/// not once per request: a metadata client polling /task at 10 Hz costs dockerd nothing. A
/// mutex, not an actor: a cache hit must not queue behind another request's inspect.
final class DockerContainerFacts: ContainerFactsSource {
    let docker: DockerClient
    private let cache = Mutex<[String: (state: String, facts: ContainerFacts)]>([:])

    init(docker: DockerClient) {
        self.docker = docker
    }

    func facts(dockerID: String, state: String) async -> ContainerFacts? {
        if let hit = cache.withLock({ $0[dockerID] }), hit.state == state { return hit.facts }
        guard let inspect = try? await docker.inspectContainer(dockerID) else { return nil }
        let facts = Self.facts(inspect)
        cache.withLock { cache in
            cache[dockerID] = (state, facts)
            if cache.count > 4096 { cache = cache.filter { $0.key == dockerID } }
        }
        return facts
    }

    static func facts(_ i: ContainerInspect) -> ContainerFacts {
        var f = ContainerFacts()
        f.imageID = i.image ?? ""
        f.labels = i.config?.labels ?? [:]
        f.createdAt = time(i.created)
        f.startedAt = time(i.state?.startedAt)
        f.finishedAt = time(i.state?.finishedAt)
        f.networkMode = i.hostConfig?.networkMode ?? ""
        f.ipAddress = i.networkSettings?.ipAddress ?? ""
        f.globalIPv6Address = i.networkSettings?.globalIPv6Address ?? ""
        f.networks = (i.networkSettings?.networks ?? [:]).sorted { $0.key < $1.key }.map {
            ContainerFacts.Network(name: $0.key, ipv4: $0.value.ipAddress ?? "", ipv6: $0.value.globalIPv6Address ?? "")
        }
        f.mounts = (i.mounts ?? []).map { ContainerFacts.Mount(name: $0.name ?? "", source: $0.source ?? "", destination: $0.destination ?? "") }
        if let last = i.state?.health?.log?.last {
            f.healthExitCode = last.exitCode ?? 0
            f.healthOutput = last.output ?? ""
        }
        return f
    }

    /// Docker writes RFC 3339 in UTC with nanoseconds; its zero time means unset.
    static func time(_ text: String?) -> String? {
        guard let text, !text.isEmpty, !text.hasPrefix("0001-01-01") else { return nil }
        return text
    }
}

/// The ACS-fed credentials store, as the endpoints read it.
struct StoreCredentials: CredentialsSource {
    let store: TaskCredentialsStore

    func credentials(id: String) async -> RoleCredentials? {
        guard let entry = await store.get(id) else { return nil }
        let c = entry.credentials
        return RoleCredentials(taskArn: entry.taskArn, role: entry.roleType == .taskApplication ? .task : .execution,
                               roleArn: c.roleArn ?? "", accessKeyId: c.accessKeyId ?? "", secretAccessKey: c.secretAccessKey ?? "",
                               sessionToken: c.sessionToken ?? "", expiration: c.expiration ?? "")
    }
}

/// The credentials audit log (endpoints.md §4.6): one line per request to
/// ECS_AUDIT_LOGFILE (rolled over hourly, 24 kept) and to the agent's log; never an ID.
final class AuditLog: Sendable {
    let path: String?
    let logger: Logger
    private let hour = Mutex<Int64?>(nil)
    static let kept = 24

    init(path: String?, logger: Logger) {
        self.path = path
        self.logger = logger
        if let path, let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try? PosixFile.makeDirectory(String(path[..<slash]))
        }
    }

    func write(_ line: String, now: Double = Date().timeIntervalSince1970) {
        logger.info("credentials audit", metadata: ["line": "\(line)"])
        guard let path else { return }
        let current = Int64(now) / 3600
        let previous = hour.withLock { h -> Int64? in
            defer { h = current }
            return h
        }
        if let previous, previous != current { rollOver(path, hourIndex: previous) }
        do { try PosixFile.append(path, line + "\n") } catch {
            logger.warning("audit line not written", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    /// `audit.log` → `audit.log.2006-01-02-15` (the hour it covers); the oldest beyond `kept` go.
    private func rollOver(_ path: String, hourIndex: Int64) {
        let stamp = CivilTime.rfc3339Nano(seconds: hourIndex * 3600)  // 2006-01-02T15:00:00Z
        let suffix = String(stamp.prefix(10)) + "-" + String(stamp.dropFirst(11).prefix(2))
        _ = rename(path, path + "." + suffix)
        let old = Self.rolled(path).sorted().dropLast(Self.kept)
        for name in old { _ = unlink(name) }
    }

    static func rolled(_ path: String) -> [String] {
        guard let slash = path.lastIndex(of: "/") else { return [] }
        let dir = String(path[..<slash]), base = String(path[path.index(after: slash)...]) + "."
        return (PosixFile.entries(dir.isEmpty ? "/" : dir) ?? []).filter { $0.hasPrefix(base) }.map { dir + "/" + $0 }
    }
}

/// Builds the two listeners from the configuration.
enum EndpointWiring {
    struct Listen {
        var host: String
        var port: Int
    }

    /// `host:port` (`[v6]:port`, `:port` for every interface); nil names the bad value.
    static func listenAddress(_ text: String) -> Listen? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return Listen(host: host.isEmpty ? "0.0.0.0" : host, port: port)
    }

    static func servers(config: ResolvedConfig, sources: EndpointSources, protection: (any TaskProtectionClient)? = nil, logger: Logger,
                        onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }) throws(ConfigurationFailure) -> [EndpointServer] {
        let introspectionText = config.string("ECS_INTROSPECTION_LISTEN_ADDRESS") ?? "0.0.0.0:51678"
        let metadataText = config.string("ECS_TASK_METADATA_LISTEN_ADDRESS") ?? "127.0.0.1:51679"
        guard let introspection = listenAddress(introspectionText) else {
            throw ConfigurationFailure("ECS_INTROSPECTION_LISTEN_ADDRESS=\(introspectionText) is not host:port")
        }
        guard let metadata = listenAddress(metadataText) else {
            throw ConfigurationFailure("ECS_TASK_METADATA_LISTEN_ADDRESS=\(metadataText) is not host:port")
        }
        var limiter: RateLimiter?
        if case .rateLimit(let limit)? = config.values["ECS_TASK_METADATA_RPS_LIMIT"] {
            limiter = RateLimiter(rate: Double(limit.steady), burst: limit.burst)
        } else {
            limiter = RateLimiter(rate: 40, burst: 60)
        }
        let audit = AuditLog(path: config.bool("ECS_AUDIT_LOGFILE_DISABLED") ? nil : (config.string("ECS_AUDIT_LOGFILE") ?? "/var/log/ecs/audit.log"),
                             logger: logger)
        let introspectionAPI = IntrospectionAPI(sources: sources, license: { Self.licenseText(directory: Self.licenseDirectory) })
        let metadataAPI = TaskMetadataAPI(sources: sources, limiter: limiter, protection: protection, audit: { audit.write($0) },
                                          now: { Date().timeIntervalSince1970 })
        return [
            EndpointServer(name: "introspection", host: introspection.host, port: introspection.port, logger: logger,
                           onListening: { await onListening("introspection", $0) }, handle: { await introspectionAPI.respond($0) }),
            EndpointServer(name: "task-metadata", host: metadata.host, port: metadata.port, logger: logger,
                           onListening: { await onListening("task-metadata", $0) }, handle: { await metadataAPI.respond($0) }),
        ]
    }

    /// Where the package installs LICENSE, NOTICE and THIRD-PARTY.
    static let licenseDirectory = "/usr/share/doc/ecs-agent"

    /// LICENSE, NOTICE and THIRD-PARTY of the installed package, joined as the reference does.
    static func licenseText(directory dir: String) -> String? {
        var parts: [String] = []
        for name in ["LICENSE", "NOTICE", "THIRD-PARTY"] {
            guard case .contents(let text) = PosixFile.read(dir + "/" + name) else { return nil }
            parts.append(text)
        }
        return parts.joined(separator: "\n" + String(repeating: "=", count: 80) + "\n")
    }
}

struct ConfigurationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The 169.254.170.2 plumbing as configured (endpoints.md §1.2), made by the agent itself.
public enum HostNetworkSetup {
    static func rules(config: ResolvedConfig, metadataPort: Int, bridge: String?) -> CredentialsProxyRules {
        var rules = CredentialsProxyRules()
        rules.metadataPort = metadataPort
        rules.introspectionPort = EndpointWiring.listenAddress(config.string("ECS_INTROSPECTION_LISTEN_ADDRESS") ?? "")?.port ?? 51678
        rules.skipLocalhostFilter = config.bool("ECS_SKIP_LOCALHOST_TRAFFIC_FILTER")
        // Port 0 (tests: any free port) has nothing to filter.
        rules.allowOffhostIntrospection = config.bool("ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS") || rules.introspectionPort == 0
        rules.dockerBridge = bridge
        rules.ipv6 = access("/proc/sys/net/ipv6", F_OK) == 0
        return rules
    }

    /// Installs the rules for the port the metadata listener bound; says what it did.
    static func install(config: ResolvedConfig, metadataPort: Int, docker: DockerClient, logger: Logger) async {
        let bridge = try? await docker.defaultBridgeInterface()
        let outcome = await rules(config: config, metadataPort: metadataPort, bridge: bridge).install(runner: SpawnRunner())
        if outcome.failures.isEmpty {
            logger.info("169.254.170.2 rules in place", metadata: ["added": "\(outcome.added.count)", "alreadyPresent": "\(outcome.present)",
                                                                  "metadataPort": "\(metadataPort)"])
        } else {
            logger.error("169.254.170.2 rules not all in place: containers may not reach the credentials and metadata endpoints",
                         metadata: ["failures": "\(outcome.failures.joined(separator: "; "))", "key": "ECS_HOST_NETWORK_RULES"])
        }
    }

    /// `ecs-agent cleanup-host`: removes the rules of any metadata port and restores route_localnet.
    public static func cleanUp(config: ResolvedConfig) async -> [String] {
        await rules(config: config, metadataPort: 51679, bridge: nil).remove(runner: SpawnRunner())
    }
}

/// The agent API's calls to ECS (UpdateTaskProtection, GetTaskProtection), signed with the
/// task role's credentials, one attempt within 4 s as the reference makes them.
struct ECSTaskProtection: TaskProtectionClient {
    let endpoint: String
    let region: String
    let userAgent: String
    static let timeout = Duration.seconds(4)

    func call(_ operation: TaskProtectionOperation, cluster: String, taskArn: String, credentials: RoleCredentials) async -> TaskProtectionOutcome {
        guard let chain = AWSSecretsSource.chain(IAMRoleCredentials(credentialsId: "", roleArn: credentials.roleArn, accessKeyId: credentials.accessKeyId,
                                                                    secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken,
                                                                    expiration: credentials.expiration)) else {
            return .failed("the task role's credentials are incomplete")
        }
        let client = AWSJSONClient(options: .init(endpoint: endpoint, region: region, userAgent: userAgent, timeout: Self.timeout, attempts: 1),
                                   credentials: chain)
        var input: [String: JSONValue] = ["cluster": .string(cluster), "tasks": .array([.string(taskArn)])]
        let name: String
        switch operation {
        case .get:
            name = "GetTaskProtection"
        case .update(let enabled, let minutes):
            name = "UpdateTaskProtection"
            input["protectionEnabled"] = .bool(enabled)
            if let minutes { input["expiresInMinutes"] = .int(Int64(minutes)) }
        }
        do {
            let out = try await client.once(name, .object(input))
            return .answered(protectedTasks: out["protectedTasks"]?.arrayValue ?? [], failures: out["failures"]?.arrayValue ?? [])
        } catch {
            switch error {
            case .service(let e): return .awsError(status: e.status, code: e.type, message: e.message, requestID: e.requestId)
            case .transport(_, let reason) where reason.lowercased().contains("deadline") || reason.lowercased().contains("timeout"):
                return .timedOut
            case .transport(_, let reason): return .awsError(status: nil, code: "RequestError", message: reason, requestID: nil)
            case .malformed(_, let reason), .credentials(let reason): return .failed(reason)
            }
        }
    }
}
