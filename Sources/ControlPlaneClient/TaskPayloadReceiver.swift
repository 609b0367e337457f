public import ECSModel

/// Where ACS hands tasks: the task engine implements this. Narrow on purpose, so the session
/// is tested with a recording double and the engine without a websocket.
public protocol TaskPayloadReceiver: Sendable {
    /// Upsert by task ARN: a new ARN is started; a known one only has its desired status moved
    /// forward. Throws `InvalidTask` for a task the agent cannot run as described.
    func accept(_ task: ACSTask) async throws
    /// ARNs of the tasks whose desired status is RUNNING (stop candidates for a manifest).
    func desiredRunningTaskArns() async -> [String]
    /// Whether the engine knows this task (credentials for unknown tasks are not acknowledged).
    func knows(taskArn: String) async -> Bool
    /// A task's role credentials changed; `credentialsId` now identifies them.
    func credentialsChanged(taskArn: String, roleType: TaskCredentialsStore.RoleType, credentialsId: String) async
    /// Move these tasks' desired status to STOPPED (from a TaskStopVerificationAck).
    func stop(taskArns: [String]) async
}

/// A task the agent refuses; reported STOPPED with this reason (protocol.md §4.3.1).
public struct InvalidTask: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Checks every agent applies before a task reaches the engine (protocol.md §4.4–4.5).
public enum PayloadValidation {
    static let desiredStatuses: Set<String> = ["RUNNING", "STOPPED", "NONE", "MANIFEST_PULLED", "CREATED", "UNKNOWN", "DEAD"]

    public static func check(_ task: ACSTask) throws(InvalidTask) {
        guard let arn = task.arn, !arn.isEmpty else { throw InvalidTask("task has no arn") }
        guard let desired = task.desiredStatus, desiredStatuses.contains(desired) else {
            throw InvalidTask("desiredStatus \(task.desiredStatus ?? "(absent)") is not a task status")
        }
        for (i, c) in (task.containers ?? []).enumerated() {
            guard let name = c.name, !name.isEmpty else { throw InvalidTask("containers[\(i)] has no name") }
            if let memory = c.memory, memory < 0 { throw InvalidTask("container \(name): memory \(memory) is negative") }
            if let overrides = c.overrides, !overrides.isEmpty {
                guard case .object(let o)? = JSONValue.parse(overrides) else { throw InvalidTask("container \(name): overrides is not a JSON object") }
                if let key = o.keys.sorted().first(where: { $0 != "command" }) {
                    throw InvalidTask("container \(name): overrides may hold only command, found \(key)")
                }
            }
            for p in c.portMappings ?? [] {
                for v in [p.containerPort, p.hostPort].compactMap({ $0 }) where !(0...65535).contains(v) {
                    throw InvalidTask("container \(name): port \(v) does not fit in 16 bits")
                }
            }
        }
    }
}
