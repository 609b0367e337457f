import ECSModel
import Foundation
import TaskEngine

/// An `EngineStore` in memory: records, and every state change in the order it was recorded;
/// `delivered` decides what the control plane has accepted.
public final class MemoryEngineStore: EngineStore, @unchecked Sendable {
    private let lock = NSLock()
    private var records: [String: TaskRecord] = [:]
    private var order: [String] = []
    private var recorded: [TaskStateChangeRequest] = []
    private var undelivered: [String: Int] = [:]
    /// Whether a recorded change counts as accepted at once (the default) or waits for `deliverAll`.
    public var deliverImmediately = true
    public private(set) var saves = 0

    public init() {}

    public func save(_ record: TaskRecord, changes: [TaskStateChangeRequest]) async throws {
        lock.withLock {
            if records[record.arn] == nil { order.append(record.arn) }
            records[record.arn] = record
            recorded += changes
            saves += 1
            if !deliverImmediately { undelivered[record.arn, default: 0] += changes.count }
        }
    }

    public func delete(taskArn: String) async throws {
        lock.withLock {
            records[taskArn] = nil
            order.removeAll { $0 == taskArn }
        }
    }

    public func loadAll() async throws -> [TaskRecord] { lock.withLock { order.compactMap { records[$0] } } }

    public func allDelivered(taskArn: String) async -> Bool { lock.withLock { (undelivered[taskArn] ?? 0) == 0 } }

    public func deliverAll() { lock.withLock { undelivered.removeAll() } }

    public var changes: [TaskStateChangeRequest] { lock.withLock { recorded } }
    public func record(_ arn: String) -> TaskRecord? { lock.withLock { records[arn] } }
    public var taskArns: [String] { lock.withLock { order } }

    /// The statuses reported for one task, in order (`STATUS` or `STATUS name=STATUS,...`).
    public func reported(_ arn: String) -> [TaskStateChangeRequest] { changes.filter { $0.task == arn } }
}

/// A container runtime in memory for engine tests: containers come and go on command, events
/// are delivered like Docker's, and every call is logged.
public final class FakeContainerRuntime: ContainerRuntime, @unchecked Sendable {
    public struct Container: Sendable {
        public var id: String
        public var name: String
        public var body: JSONValue
        public var state: RuntimeContainer.State = .created
        public var exitCode: Int?
        public var startedAt: Double?
        public var health: TaskEngine.ContainerState.Health = .unknown
        public var labels: [String: String]
    }

    private let lock = NSLock()
    private var containers: [String: Container] = [:]
    private var volumes: Set<String> = []
    private var continuations: [AsyncThrowingStream<RuntimeEvent, any Error>.Continuation] = []
    private var nextID = 0
    public private(set) var calls: [String] = []
    /// Images present (pulls succeed only for these unless `pullSucceeds`).
    public var images: Set<String> = []
    /// RepoDigests per image name, as a registry pull leaves them (none: built locally).
    public var repoDigests: [String: [String]] = [:]
    public var pullSucceeds = true
    /// Create answers "no such image" for an image not in `images` (as dockerd does).
    public var createNeedsImage = false
    /// Calls that fail: "create:<container name in task>", "start:<name>".
    public var failing: Set<String> = []
    /// Inspect throws (a daemon that is away).
    public var inspectFails = false
    /// How long start takes to return after Docker's start event went out (as dockerd does).
    public var startReturnDelay: Duration = .zero
    /// Makes start wait until `release` (to hold a call in flight).
    public var holdStarts = false
    private var heldStarts: [CheckedContinuation<Void, Never>] = []

    public init() {}

    public func snapshot() -> [Container] { lock.withLock { Array(containers.values).sorted { $0.id < $1.id } } }
    public func container(named task: String) -> Container? { snapshot().first { $0.labels["com.amazonaws.ecs.container-name"] == task } }
    public var volumeNames: Set<String> { lock.withLock { volumes } }
    public func callCount(_ prefix: String) -> Int { lock.withLock { calls.filter { $0.hasPrefix(prefix) }.count } }

    private func log(_ call: String) { lock.withLock { calls.append(call) } }
    private func emit(_ id: String, _ kind: RuntimeEvent.Kind, labels given: [String: String]? = nil) {
        let (conts, known) = lock.withLock { (continuations, containers[id]?.labels ?? [:]) }
        let labels = given ?? known
        for c in conts { c.yield(RuntimeEvent(containerID: id, kind: kind, labels: labels)) }
    }

    /// The container exits by itself.
    public func exit(_ taskContainer: String, code: Int) {
        guard let c = container(named: taskContainer) else { return }
        lock.withLock {
            containers[c.id]?.state = .exited
            containers[c.id]?.exitCode = code
        }
        emit(c.id, .died(exitCode: code))
    }

    /// The container exits and Docker's event is lost.
    public func exitSilently(_ taskContainer: String, code: Int) {
        guard let c = container(named: taskContainer) else { return }
        lock.withLock {
            containers[c.id]?.state = .exited
            containers[c.id]?.exitCode = code
        }
    }

    /// Someone runs `docker start` on it.
    public func startBehindBack(_ taskContainer: String) {
        guard let c = container(named: taskContainer) else { return }
        lock.withLock { containers[c.id]?.state = .running }
        emit(c.id, .started)
    }

    public func setHealthy(_ taskContainer: String) {
        guard let c = container(named: taskContainer) else { return }
        lock.withLock { containers[c.id]?.health = .healthy }
        emit(c.id, .healthy)
    }

    /// `docker rm -f` by someone else.
    public func removeBehindBack(_ taskContainer: String) {
        guard let c = container(named: taskContainer) else { return }
        lock.withLock { containers[c.id] = nil }
        emit(c.id, .died(exitCode: 137), labels: c.labels)
        emit(c.id, .destroyed, labels: c.labels)
    }

    public func releaseStarts() {
        let held = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            defer { heldStarts = []; holdStarts = false }
            return heldStarts
        }
        for h in held { h.resume() }
    }

    private func taskName(_ id: String) -> String { lock.withLock { containers[id]?.labels["com.amazonaws.ecs.container-name"] ?? "" } }

    public func pullImage(_ reference: String, login: RegistryLogin?) async throws {
        log("pull \(reference)")
        guard pullSucceeds else { throw FixtureError("pull access denied for \(reference)") }
        lock.withLock { _ = images.insert(reference) }
    }

    public func inspectImage(_ reference: String) async throws -> ImageFacts? {
        log("inspect image \(reference)")
        return lock.withLock { images.contains(reference) ? ImageFacts(environment: [], repoDigests: repoDigests[reference] ?? []) : nil }
    }

    public func createContainer(name: String, body: JSONValue) async throws -> String {
        log("create \(name)")
        let labels = (body["Labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        if failing.contains("create:\(labels["com.amazonaws.ecs.container-name"] ?? "")") { throw FixtureError("create refused") }
        let image = body["Image"]?.stringValue ?? ""
        if createNeedsImage && !lock.withLock({ images.contains(image) }) { throw RuntimeError.noSuchImage(image: image, message: "No such image: \(image)") }
        let id: String = try lock.withLock {
            if containers.values.contains(where: { $0.name == name }) { throw RuntimeError.conflict(name) }
            nextID += 1
            let id = String(format: "c%04d", nextID)
            containers[id] = Container(id: id, name: name, body: body, labels: labels)
            return id
        }
        emit(id, .created)
        return id
    }

    public func startContainer(_ id: String) async throws {
        log("start \(id)")
        if failing.contains("start:\(taskName(id))") { throw FixtureError("start refused") }
        if lock.withLock({ holdStarts }) { await withCheckedContinuation { c in lock.withLock { heldStarts.append(c) } } }
        try lock.withLock {
            guard containers[id] != nil else { throw FixtureError("no such container \(id)") }
            containers[id]?.state = .running
            containers[id]?.startedAt = Date().timeIntervalSince1970
        }
        emit(id, .started)
        if startReturnDelay > .zero { try await Task.sleep(for: startReturnDelay) }
    }

    public func stopContainer(_ id: String, timeout: Duration) async throws {
        log("stop \(id)")
        let wasRunning = lock.withLock { () -> Bool in
            guard containers[id]?.state == .running else { return false }
            containers[id]?.state = .exited
            containers[id]?.exitCode = 143
            return true
        }
        if wasRunning { emit(id, .died(exitCode: 143)) }
    }

    public func inspectContainer(_ idOrName: String) async throws -> RuntimeContainer? {
        if lock.withLock({ inspectFails }) { throw FixtureError("cannot reach the Docker daemon") }
        return lock.withLock { () -> RuntimeContainer? in
            guard let c = containers[idOrName] ?? containers.values.first(where: { $0.name == idOrName }) else { return nil }
            var ports: [String: [NetworkBindings.Published]] = [:]
            for (key, value) in c.body["HostConfig"]?["PortBindings"]?.objectValue ?? [:] where c.state == .running {
                ports[key] = (value.arrayValue ?? []).map { NetworkBindings.Published(hostIP: "0.0.0.0", hostPort: $0["HostPort"]?.stringValue ?? "") }
            }
            return RuntimeContainer(id: c.id, name: c.name, labels: c.labels, state: c.state, exitCode: c.exitCode, startedAt: c.startedAt,
                                    health: c.health, ports: ports)
        }
    }

    public func removeContainer(_ id: String, force: Bool) async throws {
        log("remove \(id)")
        let removed = lock.withLock { containers.removeValue(forKey: id) }
        if let removed { emit(id, .destroyed, labels: removed.labels) }
    }

    public func listContainers(label: String, value: String) async throws -> [RuntimeContainer] {
        snapshot().filter { $0.labels[label] == value }.map { RuntimeContainer(id: $0.id, name: $0.name, labels: $0.labels, state: $0.state) }
    }

    public func createVolume(name: String, driver: String, options: [String: String], labels: [String: String]) async throws {
        log("volume create \(name)")
        lock.withLock { _ = volumes.insert(name) }
    }

    public func volumeExists(_ name: String) async throws -> Bool { lock.withLock { volumes.contains(name) } }

    public func removeVolume(_ name: String) async throws {
        log("volume remove \(name)")
        lock.withLock { _ = volumes.remove(name) }
    }

    public func removeImage(_ reference: String) async throws {
        log("image remove \(reference)")
        if snapshot().contains(where: { $0.body["Image"]?.stringValue == reference }) { throw FixtureError("image \(reference) is in use") }
        lock.withLock { _ = images.remove(reference) }
    }

    public func events(onResume: @escaping @Sendable () -> Void) -> AsyncThrowingStream<RuntimeEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: RuntimeEvent.self)
        lock.withLock { continuations.append(continuation) }
        return stream
    }

    public func isAlive() async -> Bool { true }
}
