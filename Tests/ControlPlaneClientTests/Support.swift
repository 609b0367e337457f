import AWSSupport
import AgentTestSupport
import ControlPlaneClient
import ECSModel
import Foundation
import Logging
import StateStore

/// ECS API double: scripted answers per operation, every call recorded.
actor FakeECSAPI: ECSAPI {
    var calls: [(String, JSONValue)] = []
    var callTimes: [(String, ContinuousClock.Instant)] = []
    var endpoint = "http://127.0.0.1:9/acs/"
    var telemetryEndpoint = "http://127.0.0.1:9/tcs/"
    /// Errors to throw, in order, before answering normally (per operation).
    var failures: [String: [AWSJSONClient.CallError]] = [:]
    var instanceArn = "arn:aws:ecs:us-west-2:123456789012:container-instance/default/0123456789abcdef0123456789abcdef"
    /// Attribute names the fake "forgets" to echo.
    var dropAttributes: Set<String> = []
    var stateChangesAccepted: [JSONValue] = []

    func set(endpoint: String, telemetry: String) {
        self.endpoint = endpoint
        self.telemetryEndpoint = telemetry
    }
    func fail(_ operation: String, with errors: [AWSJSONClient.CallError]) { failures[operation] = errors }
    func forget(_ names: Set<String>) { dropAttributes = names }

    func calls(_ operation: String) -> [JSONValue] { calls.filter { $0.0 == operation }.map(\.1) }

    private func take(_ operation: String, _ input: JSONValue) throws(AWSJSONClient.CallError) {
        calls.append((operation, input))
        callTimes.append((operation, .now))
        if var queue = failures[operation], !queue.isEmpty {
            let e = queue.removeFirst()
            failures[operation] = queue
            throw e
        }
    }

    func registerContainerInstance(_ input: JSONValue) async throws(AWSJSONClient.CallError) -> JSONValue {
        try take("RegisterContainerInstance", input)
        var attributes = (input["attributes"]?.arrayValue ?? []).filter { !dropAttributes.contains($0["name"]?.stringValue ?? "") }
        attributes.append(["name": "ecs.availability-zone", "value": "us-west-2a"])
        let arn = input["containerInstanceArn"]?.stringValue ?? instanceArn
        return ["containerInstance": ["containerInstanceArn": .string(arn), "status": "ACTIVE", "attributes": .array(attributes)]]
    }

    func createCluster(name: String) async throws(AWSJSONClient.CallError) -> JSONValue {
        try take("CreateCluster", ["clusterName": .string(name)])
        return ["cluster": ["clusterName": .string(name)]]
    }

    func discoverPollEndpoint(containerInstance: String, cluster: String) async throws(AWSJSONClient.CallError) -> JSONValue {
        try take("DiscoverPollEndpoint", ["containerInstance": .string(containerInstance), "cluster": .string(cluster)])
        return ["endpoint": .string(endpoint), "telemetryEndpoint": .string(telemetryEndpoint)]
    }

    func submitTaskStateChange(_ input: JSONValue) async throws(AWSJSONClient.CallError) -> JSONValue {
        try take("SubmitTaskStateChange", input)
        stateChangesAccepted.append(input)
        return ["acknowledgment": "ok"]
    }
}

/// The task engine's stand-in: records what ACS handed over.
actor RecordingReceiver: TaskPayloadReceiver {
    var accepted: [ACSTask] = []
    var desired: [String: String] = [:]
    var stopped: [String] = []
    var credentialChanges: [(String, String)] = []
    var refuse: [String: String] = [:]
    /// While set, `accept` does not return: an engine stuck on slow work.
    var stall = false

    func setStall(_ value: Bool) { stall = value }

    func refuse(_ arn: String, reason: String) { refuse[arn] = reason }
    func accept(_ task: ACSTask) async throws {
        if let reason = refuse[task.arn ?? ""] { throw InvalidTask(reason) }
        while stall { try await Task.sleep(for: .milliseconds(20)) }
        accepted.append(task)
        if desired[task.arn!] != "STOPPED" { desired[task.arn!] = task.desiredStatus }
    }
    func desiredRunningTaskArns() async -> [String] { desired.filter { $0.value == "RUNNING" }.map(\.key).sorted() }
    func knows(taskArn: String) async -> Bool { desired[taskArn] != nil }
    func credentialsChanged(taskArn: String, roleType: TaskCredentialsStore.RoleType, credentialsId: String) async {
        credentialChanges.append((taskArn, credentialsId))
    }
    func stop(taskArns: [String]) async {
        stopped += taskArns
        for arn in taskArns { desired[arn] = "STOPPED" }
    }
}

struct StaticCredentials: CredentialProvider {
    let name = "static"
    func load() async throws -> ExpiringCredentials? {
        ExpiringCredentials(credentials: AWSCredentials(accessKeyId: "AKIDTEST", secretAccessKey: "secret"), expiration: nil, source: name)
    }
}

func quietLogger(_ label: String = "test") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .critical
    return logger
}

let testRegistration = Registration(containerInstanceArn: "arn:aws:ecs:us-west-2:123456789012:container-instance/default/0123456789abcdef0123456789abcdef",
                                    cluster: "default", availabilityZone: "us-west-2a", reregistered: false)
let testIdentity = AgentIdentity(agentVersion: "1.105.1", agentHash: "00000000", dockerVersion: "20.10.24", implementation: "test")

/// Fast timers: a silent peer is noticed within a second.
func fastTiming(heartbeat: Duration = .seconds(30), recycle: Duration = .seconds(3600)) -> SessionTiming {
    SessionTiming(heartbeatTimeout: heartbeat, heartbeatJitter: .zero, recycle: recycle, recycleJitter: .zero,
                  backoff: Backoff(initial: .milliseconds(50), maximum: .milliseconds(200), multiplier: 1.5, jitter: 0.2),
                  resetBackoffAfter: .seconds(60), inactiveRetry: .seconds(2))
}

/// An ACS session wired to a scripted peer, with a recording receiver.
final class ACSHarness: @unchecked Sendable {
    let peer = ScriptedWebSocketPeer()
    let api = FakeECSAPI()
    let receiver = RecordingReceiver()
    let credentials = TaskCredentialsStore()
    let directory: String
    var store: AgentStateStore!
    var reporter: StateChangeReporter!
    var session: ACSSession!
    private var running: Task<Void, any Error>?
    let connectedCount = Counter()
    let inactiveCount = Counter()

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func bump() { lock.withLock { n += 1 } }
        var value: Int { lock.withLock { n } }
    }

    init() throws {
        directory = try TestEnvironment.temporaryDirectory("acs")
    }

    func start(timing: SessionTiming = fastTiming()) async throws {
        try await peer.start()
        await api.set(endpoint: peer.url + "/acs/", telemetry: peer.url + "/tcs/")
        store = try await AgentStateStore.open(directory: directory, logger: quietLogger())
        reporter = StateChangeReporter(api: api, store: store, logger: quietLogger())
        let handler = ACSMessageHandler(registration: testRegistration, store: store, receiver: receiver, credentials: credentials,
                                        reporter: reporter, logger: quietLogger())
        let discovery = EndpointDiscovery(api: api, containerInstanceArn: testRegistration.containerInstanceArn, cluster: "default")
        let dialer = WebSocketDialer(credentials: CredentialChain([StaticCredentials()]), region: "us-west-2", logger: quietLogger())
        session = ACSSession(registration: testRegistration, identity: testIdentity, discovery: discovery, dialer: dialer, handler: handler,
                             timing: timing, logger: quietLogger(),
                             onConnected: { [connectedCount] in connectedCount.bump() }, onInactive: { [inactiveCount] in inactiveCount.bump() })
        let (session, reporter) = (session!, reporter!)
        running = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await session.run() }
                group.addTask { try await reporter.run() }
                try await group.waitForAll()
            }
        }
    }

    /// The n-th ACS connection (0-based), once it exists.
    func connection(_ n: Int, timeout: Duration = .seconds(10)) async throws -> ScriptedWebSocketPeer.Connection {
        try await eventually(timeout: timeout, "ACS connection #\(n + 1) (have \(peer.connections(.acs).count))") { peer.connections(.acs).count > n }
        return peer.connections(.acs)[n]
    }

    func stop() async {
        running?.cancel()
        _ = try? await running?.value
        await peer.stop()
        await store?.close()
    }
}
