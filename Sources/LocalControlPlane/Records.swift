import ECSModel

/// A registered container instance with the bookkeeping the API does not show.
struct InstanceRecord: Codable, Sendable {
    var instance: ContainerInstance
    var clusterArn: String
    var registeredCPU: Int
    var registeredMemory: Int
    /// Ports the agent reported as taken (PORTS / PORTS_UDP).
    var reservedTCP: [Int]
    var reservedUDP: [Int]
    var tags: [Tag]
    var connected: Bool = false

    var arn: String { instance.containerInstanceArn ?? "" }
}

/// A task with what placement charged to its instance.
struct TaskRecord: Codable, Sendable {
    var task: ECSTask
    var clusterArn: String
    var instanceArn: String
    var cpu: Int
    var memory: Int
    var tcpPorts: [Int]
    var udpPorts: [Int]
    /// What the agent is sent for this task (desired status follows the task's).
    var acsTask: ACSTask
    var tags: [Tag]
    /// Whether its resources are still held on the instance.
    var holdsResources: Bool = true
    /// Task scale-in protection (UpdateTaskProtection), with its expiry in epoch seconds.
    var protectionExpiresAt: Double?
    /// Set once the service scheduler has looked at this stopped task (a failure is counted once).
    var serviceFailureCounted: Bool?

    var arn: String { task.taskArn ?? "" }
}

/// A message for one instance's ACS session, kept until the agent acknowledges it.
struct OutboxEntry: Codable, Sendable {
    var messageId: String
    var instanceArn: String
    var sequence: Int64
    var type: String
    var frame: String
}

/// What the resources of an instance look like after what its tasks hold.
struct Usage: Sendable, Equatable {
    var cpu = 0
    var memory = 0
    var tcp: Set<Int> = []
    var udp: Set<Int> = []
    var pending = 0
    var running = 0
}
