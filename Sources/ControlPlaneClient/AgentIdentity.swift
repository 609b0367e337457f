/// How the agent names itself on the wire: the ACS/TCS query strings and the User-Agent.
public struct AgentIdentity: Sendable, Hashable {
    /// The Amazon ECS agent version whose protocol we speak; ECS gates features on it.
    public var agentVersion: String
    public var agentHash: String
    /// `docker version` of the daemon, or nil when unknown (then omitted from the URLs).
    public var dockerVersion: String?
    public var detailedOSFamily: String
    /// Our own version, appended to the User-Agent so the two agents can be told apart.
    public var implementation: String

    public init(agentVersion: String, agentHash: String, dockerVersion: String?, detailedOSFamily: String = "LINUX", implementation: String) {
        self.agentVersion = agentVersion
        self.agentHash = agentHash
        self.dockerVersion = dockerVersion
        self.detailedOSFamily = detailedOSFamily
        self.implementation = implementation
    }

    /// protocol.md §2.1, then our own product token.
    public var userAgent: String {
        "Amazon ECS Agent - v\(agentVersion) (\(agentHash)) (linux; \(detailedOSFamily)) (+http://aws.amazon.com/ecs/) \(implementation)"
    }
}
