/// The agent's version, and the Go agent version whose wire behaviour it matches.
public enum AgentVersion {
    public static let version = "0.1.0"
    /// Sent as `agentVersion` on ACS/TCS: the protocol level we implement.
    public static let compatibleWith = "1.105.1"
    /// Sent as `agentHash`; the package build stamps the commit here.
    public static let hash = "00000000"
    public static var summary: String { "ecs-agent \(version) (compatible with Amazon ECS agent \(compatibleWith))" }
}
