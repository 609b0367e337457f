public import ECSModel

/// Task role and execution role credentials from ACS, keyed by `credentialsId`
/// (protocol.md §6.2). In memory only: secrets never reach the disk. The credentials endpoint
/// reads it; the ACS session writes it.
public actor TaskCredentialsStore {
    public enum RoleType: String, Sendable {
        case taskApplication = "TaskApplication"
        case taskExecution = "TaskExecution"
    }

    public struct Entry: Sendable, Hashable {
        public var taskArn: String
        public var roleType: RoleType
        public var credentials: IAMRoleCredentials
    }

    private var entries: [String: Entry] = [:]

    public init() {}

    /// Stores `credentials` under their `credentialsId`; returns false when it has none.
    @discardableResult
    public func put(_ credentials: IAMRoleCredentials, taskArn: String, roleType: RoleType) -> Bool {
        guard let id = credentials.credentialsId, !id.isEmpty else { return false }
        entries[id] = Entry(taskArn: taskArn, roleType: roleType, credentials: credentials)
        return true
    }

    public func get(_ credentialsId: String) -> Entry? { entries[credentialsId] }

    /// Removes a task's credentials of one role type (task role when the task stops,
    /// execution role at cleanup).
    public func remove(taskArn: String, roleType: RoleType) {
        entries = entries.filter { !($0.value.taskArn == taskArn && $0.value.roleType == roleType) }
    }

    public var count: Int { entries.count }
}
