import Synchronization

/// Every task's record as last saved, for readers that must not queue behind a task's actor:
/// the metadata endpoints answer thousands of requests a second from it. A task actor
/// publishes after each save (so nothing is shown that a crash would take back) and removes
/// its task at cleanup; lookups by endpoint ID and Docker ID are kept with it.
public final class TaskBoard: Sendable {
    public struct Located: Sendable {
        public var record: TaskRecord
        /// Index into `record.containers` (and `record.task.containers`).
        public var container: Int
        /// Changes with every publish of the task: what a reader caches a rendering under.
        public var generation: Int = 0
    }

    private struct Board {
        var tasks: [String: TaskRecord] = [:]
        var generations: [String: Int] = [:]
        var nextGeneration = 1
        /// Task ARNs in the order first published (introspection lists them in that order).
        var order: [String] = []
        var endpoints: [String: (arn: String, container: Int)] = [:]
        var dockerIDs: [String: (arn: String, container: Int)] = [:]
    }

    private let board = Mutex(Board())
    private let restoredFlag = Mutex(false)

    public init() {}

    /// Whether the engine has published every saved task (set once, after its restore).
    public var isRestored: Bool { restoredFlag.withLock { $0 } }
    public func markRestored() { restoredFlag.withLock { $0 = true } }

    public func publish(_ record: TaskRecord) {
        board.withLock { b in
            let arn = record.arn
            b.generations[arn] = b.nextGeneration
            b.nextGeneration += 1
            if let old = b.tasks.updateValue(record, forKey: arn) {
                for c in old.containers {
                    if let e = c.endpointID { b.endpoints[e] = nil }
                    if let d = c.dockerID { b.dockerIDs[d] = nil }
                }
            } else {
                b.order.append(arn)
            }
            for (i, c) in record.containers.enumerated() {
                // As in the reference, an endpoint ID resolves once its container has a Docker ID.
                guard let d = c.dockerID else { continue }
                b.dockerIDs[d] = (arn, i)
                if let e = c.endpointID { b.endpoints[e] = (arn, i) }
            }
        }
    }

    /// Rises with every publish and removal: a cheap sign that the engine did something.
    public var generation: Int { board.withLock { $0.nextGeneration } }

    public func remove(arn: String) {
        board.withLock { b in
            guard let old = b.tasks.removeValue(forKey: arn) else { return }
            b.generations[arn] = nil
            b.nextGeneration += 1
            b.order.removeAll { $0 == arn }
            for c in old.containers {
                if let e = c.endpointID, b.endpoints[e]?.arn == arn { b.endpoints[e] = nil }
                if let d = c.dockerID, b.dockerIDs[d]?.arn == arn { b.dockerIDs[d] = nil }
            }
        }
    }

    public func task(arn: String) -> TaskRecord? { board.withLock { $0.tasks[arn] } }

    /// Every task, in the order they were first published.
    public func tasks() -> [TaskRecord] { board.withLock { b in b.order.compactMap { b.tasks[$0] } } }

    public func container(endpointID: String) -> Located? {
        board.withLock { b in
            b.endpoints[endpointID].flatMap { e in b.tasks[e.arn].map { Located(record: $0, container: e.container, generation: b.generations[e.arn] ?? 0) } }
        }
    }

    public func container(dockerID: String) -> Located? {
        board.withLock { b in b.dockerIDs[dockerID].flatMap { e in b.tasks[e.arn].map { Located(record: $0, container: e.container) } } }
    }

    /// Every known Docker ID with its task (introspection's `?dockerid=` prefix search).
    public func dockerIDs() -> [(id: String, arn: String)] {
        board.withLock { b in b.dockerIDs.map { ($0.key, $0.value.arn) } }
    }
}

/// Random lowercase RFC 4122 version 4 UUIDs, the reference's endpoint IDs.
public enum EndpointID {
    public static func random(using generator: inout some RandomNumberGenerator) -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }
}

extension EndpointID {
    /// The address containers reach the agent's endpoints at (made local by the agent's
    /// iptables rules).
    public static let host = "169.254.170.2"

    /// What every container learns about the endpoints (endpoints.md §9.1): the metadata and
    /// agent API URIs under its endpoint ID, and the credentials URI when the task has a role.
    public static func environment(endpointID: String?, taskRoleCredentialsID: String?) -> [String: String] {
        var env: [String: String] = [:]
        if let e = endpointID {
            env["ECS_CONTAINER_METADATA_URI"] = "http://\(host)/v3/\(e)"
            env["ECS_CONTAINER_METADATA_URI_V4"] = "http://\(host)/v4/\(e)"
            env["ECS_AGENT_URI"] = "http://\(host)/api/\(e)"
        }
        if let id = taskRoleCredentialsID, !id.isEmpty {
            env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/\(id)"
        }
        return env
    }
}
