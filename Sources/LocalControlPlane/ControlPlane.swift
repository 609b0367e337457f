import AsyncGate
public import AWSSupport
public import ECSModel
public import Logging
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// ecs-local's state and every operation on it. One actor: calls are serialised, each change
/// is written to SQLite in one transaction before the caller gets an answer.
public actor ControlPlane {
    public struct Options: Sendable {
        public var region = "us-west-2"
        public var account = "000000000000"
        /// Base URL of this server as agents reach it (DiscoverPollEndpoint answers with it).
        public var publicURL = "http://127.0.0.1:8080"
        public var heartbeatInterval: Duration = .seconds(20)
        /// How often a connected agent gets a TaskManifestMessage.
        public var manifestInterval: Duration = .seconds(60)
        /// Credentials handed out for task and execution roles when no STS is configured
        /// (development default).
        public var roleCredentials = AWSCredentials(accessKeyId: "ASIALOCALROLE", secretAccessKey: "local-role-secret", sessionToken: "local-role-token")
        /// When set, role credentials come from STS AssumeRole (AWS, or moto on loopback).
        public var sts: STSClient?
        /// Registry hosts whose images are treated as this account's ECR repositories, besides
        /// real ECR names (`<account>.dkr.ecr.<region>.amazonaws.com`): a loopback registry can
        /// then stand in for ECR in a test. Value: the registry (account) id.
        public var ecrRegistries: [String: String] = [:]
        /// Seconds before a failed service task is replaced; doubles with each failure in a row.
        public var serviceRestartDelay: Double = 5
        public init() {}
    }

    var options: Options
    let arns: ARNs
    let store: Store
    let logger: Logger

    var clusters: [String: Cluster] = [:]
    var clusterTags: [String: [Tag]] = [:]
    var taskDefinitions: [String: TaskDefinition] = [:]
    var taskDefinitionTags: [String: [Tag]] = [:]
    var instances: [String: InstanceRecord] = [:]
    /// Deregistered container instances: their agents are told InactiveInstanceException.
    var inactiveInstances: Set<String> = []
    var tasks: [String: TaskRecord] = [:]
    var services: [String: ServiceRecord] = [:]
    var outbox: [String: OutboxEntry] = [:]
    /// One increasing counter for payload seqNum and manifest timeline (protocol.md §4.7).
    var sequence: Int64 = 0
    var sessions: [String: any ACSSessionSink] = [:]
    var pendingChange = Store.Change()
    /// Outbox entries queued by the current call, sent once its change is on disk.
    var unsent: [String] = []

    init(options: Options, store: Store, logger: Logger) {
        self.options = options
        self.arns = ARNs(region: options.region, account: options.account)
        self.store = store
        self.logger = logger
    }

    /// Opens the store and loads what it holds.
    public static func open(options: Options, databasePath: String?, reset: Bool, logger: Logger) async throws -> ControlPlane {
        let store = try await Store.open(path: databasePath, reset: reset, logger: logger)
        let plane = ControlPlane(options: options, store: store, logger: logger)
        try await plane.load()
        return plane
    }

    func load() async throws {
        let decoder = JSONDecoder()
        func each<T: Decodable>(_ kind: Store.Kind, _ type: T.Type, _ body: (String, T) -> Void) async throws {
            for (id, text) in try await store.documents(kind) {
                body(id, try decoder.decode(T.self, from: Data(text.utf8)))
            }
        }
        try await each(.cluster, StoredCluster.self) { arn, c in clusters[arn] = c.cluster; clusterTags[arn] = c.tags }
        try await each(.taskDefinition, StoredTaskDefinition.self) { arn, t in taskDefinitions[arn] = t.definition; taskDefinitionTags[arn] = t.tags }
        try await each(.containerInstance, InstanceRecord.self) { arn, r in
            var r = r
            r.connected = false
            r.instance.agentConnected = false
            instances[arn] = r
        }
        try await each(.task, TaskRecord.self) { arn, r in tasks[arn] = r }
        try await each(.service, ServiceRecord.self) { arn, r in services[arn] = r }
        try await each(.inactiveInstance, JSONValue.self) { arn, _ in inactiveInstances.insert(arn) }
        try await each(.outbox, OutboxEntry.self) { id, e in outbox[id] = e }
        sequence = try await store.counters()["sequence"] ?? 0
        logger.info("state loaded", metadata: ["clusters": "\(clusters.count)", "instances": "\(instances.count)", "tasks": "\(tasks.count)"])
    }

    /// The URL DiscoverPollEndpoint hands out, once the listener's port is known.
    public func setPublicURL(_ url: String) {
        options.publicURL = url
    }

    public func close() async {
        await store.close()
    }

    // MARK: dispatch

    // MARK: one operation at a time

    private let gate = AsyncGate()

    /// Runs `body` with no other state-changing work interleaved. The actor alone is not
    /// enough: each call awaits its SQLite write, and another call must not run (or start a
    /// second transaction on the connection) in that gap.
    func exclusively<T>(_ body: () async throws -> T) async rethrows -> T {
        try await gate.withGate(body)
    }

    /// Runs one ECS API operation. The answer is the JSON output, or an AWS error.
    public func handle(operation: String, input: JSONValue) async -> Result<JSONValue, AWSError> {
        await exclusively { await handleExclusively(operation: operation, input: input) }
    }

    private func handleExclusively(operation: String, input: JSONValue) async -> Result<JSONValue, AWSError> {
        pendingChange = Store.Change()
        let result: Result<JSONValue, AWSError>
        do {
            result = .success(try await dispatch(operation, Input(input)))
        } catch let error as AWSError {
            try? await rollback()
            return .failure(error)
        } catch {
            try? await rollback()
            return .failure(.server("\(error)"))
        }
        do {
            try await store.apply(pendingChange)
        } catch {
            logger.error("state write failed", metadata: ["operation": "\(operation)", "error": "\(error)"])
            try? await rollback()
            return .failure(.server("the state could not be saved: \(error)"))
        }
        pendingChange = Store.Change()
        flushSessions()
        return result
    }

    /// One pass of the service scheduler over every service, as one change on disk (what
    /// `ecs-local serve` runs every second). Errors are logged: a pass that fails is retried by
    /// the next one.
    public func runSchedulerPass() async {
        await exclusively {
            pendingChange = Store.Change()
            do {
                for arn in services.keys.sorted() where services[arn]?.service.status != "INACTIVE" {
                    try await schedule(arn)
                }
                try await store.apply(pendingChange)
                pendingChange = Store.Change()
                flushSessions()
            } catch {
                logger.error("scheduler pass failed", metadata: ["error": "\(error)"])
                try? await rollback()
            }
        }
    }

    static let operations: Set<String> = [
        "CreateCluster", "DeleteCluster", "ListClusters", "DescribeClusters",
        "RegisterTaskDefinition", "DeregisterTaskDefinition", "DescribeTaskDefinition", "ListTaskDefinitions", "ListTaskDefinitionFamilies",
        "RunTask", "StartTask", "StopTask", "DescribeTasks", "ListTasks",
        "RegisterContainerInstance", "DeregisterContainerInstance", "ListContainerInstances", "DescribeContainerInstances",
        "UpdateContainerInstancesState", "PutAttributes", "ListAttributes", "DeleteAttributes",
        "TagResource", "UntagResource", "ListTagsForResource",
        "DiscoverPollEndpoint", "SubmitTaskStateChange", "SubmitContainerStateChange", "SubmitAttachmentStateChanges",
        "UpdateTaskProtection", "GetTaskProtection",
        "CreateService", "UpdateService", "DeleteService", "DescribeServices", "ListServices",
    ]

    private func dispatch(_ operation: String, _ input: Input) async throws -> JSONValue {
        switch operation {
        case "CreateCluster": try createCluster(input)
        case "DeleteCluster": try deleteCluster(input)
        case "ListClusters": try listClusters(input)
        case "DescribeClusters": try describeClusters(input)
        case "RegisterTaskDefinition": try registerTaskDefinition(input)
        case "DeregisterTaskDefinition": try deregisterTaskDefinition(input)
        case "DescribeTaskDefinition": try describeTaskDefinition(input)
        case "ListTaskDefinitions": try listTaskDefinitions(input)
        case "ListTaskDefinitionFamilies": try listTaskDefinitionFamilies(input)
        case "RunTask": try await runTask(input)
        case "StartTask": try await startTask(input)
        case "StopTask": try stopTask(input)
        case "DescribeTasks": try describeTasks(input)
        case "ListTasks": try listTasks(input)
        case "RegisterContainerInstance": try registerContainerInstance(input)
        case "DeregisterContainerInstance": try deregisterContainerInstance(input)
        case "ListContainerInstances": try listContainerInstances(input)
        case "DescribeContainerInstances": try describeContainerInstances(input)
        case "UpdateContainerInstancesState": try updateContainerInstancesState(input)
        case "PutAttributes": try putAttributes(input)
        case "ListAttributes": try listAttributes(input)
        case "DeleteAttributes": try deleteAttributes(input)
        case "TagResource": try tagResource(input)
        case "UntagResource": try untagResource(input)
        case "ListTagsForResource": try listTagsForResource(input)
        case "DiscoverPollEndpoint": try discoverPollEndpoint(input)
        case "SubmitTaskStateChange": try submitTaskStateChange(input)
        case "SubmitContainerStateChange": try submitContainerStateChange(input)
        case "SubmitAttachmentStateChanges": .object(["acknowledgment": .string("ok")])
        case "UpdateTaskProtection": try updateTaskProtection(input)
        case "GetTaskProtection": try getTaskProtection(input)
        case "CreateService": try await createService(input)
        case "UpdateService": try await updateService(input)
        case "DeleteService": try await deleteService(input)
        case "DescribeServices": try describeServices(input)
        case "ListServices": try listServices(input)
        default:
            throw AWSError("UnknownOperationException", "Operation \(operation) is not supported by ecs-local")
        }
    }

    /// Undoes the in-memory effects of a failed call by reloading from the store, which the
    /// call never wrote to. Calls validate before they mutate, so this is rare.
    private func rollback() async throws {
        let touched = !pendingChange.isEmpty || !unsent.isEmpty
        pendingChange = Store.Change()
        unsent = []
        guard touched else { return }
        clusters = [:]
        clusterTags = [:]
        taskDefinitions = [:]
        taskDefinitionTags = [:]
        instances = [:]
        tasks = [:]
        services = [:]
        outbox = [:]
        let live = sessions
        try await load()
        for arn in live.keys where instances[arn] != nil { instances[arn]!.connected = true }
    }

    /// Credentials for a role, from STS when configured, else the static development ones.
    func roleCredentials(roleArn: String, sessionName: String) async throws -> IAMRoleCredentials {
        if let sts = options.sts {
            do {
                let assumed = try await sts.assumeRole(roleArn: roleArn, sessionName: sessionName)
                return IAMRoleCredentials(credentialsId: Identifiers.uuid(), roleArn: roleArn, accessKeyId: assumed.credentials.accessKeyId,
                                          secretAccessKey: assumed.credentials.secretAccessKey, sessionToken: assumed.credentials.sessionToken,
                                          expiration: assumed.expiration)
            } catch {
                throw AWSError.client("Could not obtain credentials for role \(roleArn): \(error)")
            }
        }
        return IAMRoleCredentials(credentialsId: Identifiers.uuid(), roleArn: roleArn, accessKeyId: options.roleCredentials.accessKeyId,
                                  secretAccessKey: options.roleCredentials.secretAccessKey, sessionToken: options.roleCredentials.sessionToken,
                                  expiration: TaskTranslation.rfc3339(Date().addingTimeInterval(6 * 3600)))
    }

    // MARK: persistence helpers

    func now() -> Double { Date().timeIntervalSince1970.rounded(toPlaces: 3) }

    func save(cluster arn: String) {
        guard let c = clusters[arn] else { return }
        put(.cluster, arn, StoredCluster(cluster: c, tags: clusterTags[arn] ?? []))
    }

    func save(taskDefinition arn: String) {
        guard let t = taskDefinitions[arn] else { return }
        put(.taskDefinition, arn, StoredTaskDefinition(definition: t, tags: taskDefinitionTags[arn] ?? []))
    }

    func save(instance arn: String) {
        if let r = instances[arn] { put(.containerInstance, arn, r) } else { pendingChange.deletes.append((.containerInstance, arn)) }
    }

    func save(task arn: String) {
        if let r = tasks[arn] { put(.task, arn, r) } else { pendingChange.deletes.append((.task, arn)) }
    }

    func put(_ kind: Store.Kind, _ id: String, _ value: some Encodable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value) else { return }
        pendingChange.puts.append((kind, id, String(decoding: data, as: UTF8.self)))
    }

    func nextSequence() -> Int64 {
        sequence += 1
        pendingChange.counters.append(("sequence", sequence))
        return sequence
    }
}

struct StoredCluster: Codable {
    var cluster: Cluster
    var tags: [Tag]
}

struct StoredTaskDefinition: Codable {
    var definition: TaskDefinition
    var tags: [Tag]
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        var m = 1.0
        for _ in 0..<places { m *= 10 }
        return (self * m).rounded() / m
    }
}

/// Encodes a value as a JSONValue (for building outputs).
func json(_ value: some Encodable) -> JSONValue {
    let encoder = JSONEncoder()
    guard let data = try? encoder.encode(value), let parsed = JSONValue.parse(Array(data)) else { return .null }
    return parsed
}
