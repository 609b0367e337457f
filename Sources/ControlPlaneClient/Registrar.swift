public import AWSSupport
import ECSModel
public import Logging
public import StateStore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The outcome of registration: who this host is to the control plane.
public struct Registration: Sendable, Hashable {
    public var containerInstanceArn: String
    /// The cluster string as configured (ACS and TCS query parameters carry it as-is).
    public var cluster: String
    public var availabilityZone: String?
    public var reregistered: Bool

    public init(containerInstanceArn: String, cluster: String, availabilityZone: String?, reregistered: Bool) {
        self.containerInstanceArn = containerInstanceArn
        self.cluster = cluster
        self.availabilityZone = availabilityZone
        self.reregistered = reregistered
    }
}

/// RegisterContainerInstance with everything around it (protocol.md §2.2–2.3): reuse the
/// stored ARN, create `default` when it is missing, retry transient failures with backoff,
/// wait an hour (with a log line that says why and what to do) when the control plane calls the
/// instance inactive, and persist the ARN before anything uses it.
public struct Registrar: Sendable {
    public struct Timing: Sendable {
        public var transient = Backoff(initial: .seconds(3), maximum: .seconds(192), multiplier: 2, jitter: 0.2)
        public var inactiveRetry: Duration = .seconds(3600)
        public init() {}
    }

    let api: any ECSAPI
    let store: AgentStateStore
    let settings: RegistrationSettings
    let host: HostResources
    let dockerAPI: (min: String, max: String)?
    /// The instance identity document and its signature, or empty strings off EC2.
    let identity: @Sendable () async -> (document: String, signature: String)
    let timing: Timing
    let logger: Logger

    public init(api: any ECSAPI, store: AgentStateStore, settings: RegistrationSettings, host: HostResources,
                dockerAPI: (min: String, max: String)?, identity: @escaping @Sendable () async -> (document: String, signature: String),
                timing: Timing = .init(), logger: Logger) {
        self.api = api
        self.store = store
        self.settings = settings
        self.host = host
        self.dockerAPI = dockerAPI
        self.identity = identity
        self.timing = timing
        self.logger = logger
    }

    public func register() async throws -> Registration {
        let storedArn = try await store.value("containerInstanceArn")
        if storedArn != nil, let storedCluster = try await store.value("cluster"), storedCluster != settings.clusterOrDefault {
            throw RegistrationError.clusterMismatch(stored: storedCluster, configured: settings.clusterOrDefault)
        }
        let (document, signature) = await identity()
        let clientToken = UUID().uuidString.lowercased()
        var backoff = timing.transient
        var createdCluster = false
        while true {
            try Task.checkCancellation()
            let input = try RegistrationRequest.build(settings, host: host, dockerAPI: dockerAPI, containerInstanceArn: storedArn,
                                                      identityDocument: document, identitySignature: signature, clientToken: clientToken)
            do {
                let output = try await api.registerContainerInstance(input)
                guard let arn = output["containerInstance"]?["containerInstanceArn"]?.stringValue, !arn.isEmpty else {
                    throw RegistrationError.terminal("RegisterContainerInstance answered without containerInstance.containerInstanceArn")
                }
                let missing = RegistrationRequest.missingEchoes(sent: input, response: output)
                guard missing.isEmpty else { throw RegistrationError.attributesNotEchoed(missing) }
                let zone = output["containerInstance"]?["attributes"]?.arrayValue?
                    .first { $0["name"]?.stringValue == "ecs.availability-zone" }?["value"]?.stringValue
                try await store.setValues(["containerInstanceArn": arn, "cluster": settings.clusterOrDefault])
                logger.notice(storedArn == nil ? "registered as a new container instance" : "re-registered",
                              metadata: ["containerInstanceArn": "\(arn)", "cluster": "\(settings.clusterOrDefault)"])
                return Registration(containerInstanceArn: arn, cluster: settings.clusterOrDefault, availabilityZone: zone, reregistered: storedArn != nil)
            } catch let error as AWSJSONClient.CallError {
                let text = error.description
                if !createdCluster, settings.cluster.isEmpty || settings.cluster == "default",
                   error.awsError?.type == "ClusterNotFoundException" || text.contains("Cluster not found.") {
                    logger.notice("cluster default does not exist; creating it")
                    _ = try await api.createCluster(name: "default")
                    createdCluster = true
                    continue
                }
                if Self.isInactive(text) {
                    logger.error("the control plane says this container instance is inactive (deregistered); retrying in \(Int(timing.inactiveRetry.seconds)) s. To register as a new instance, stop the agent and delete its data directory",
                                 metadata: ["containerInstanceArn": "\(storedArn ?? "none")", "error": "\(text)"])
                    try await Task.sleep(for: timing.inactiveRetry)
                    continue
                }
                if text.contains("Container instance type changes are not supported.") || !error.isTransient {
                    throw RegistrationError.terminal("RegisterContainerInstance refused: \(text)")
                }
                let delay = backoff.next()
                logger.warning("registration failed; retrying", metadata: ["error": "\(text)", "retryInSeconds": "\(Int(delay.seconds.rounded()))"])
                try await Task.sleep(for: delay)
            }
        }
    }

    static func isInactive(_ text: String) -> Bool {
        let t = text.lowercased()
        return t.contains("inactiveinstanceexception") || t.contains("is inactive") || t.contains("deregistered")
    }
}
