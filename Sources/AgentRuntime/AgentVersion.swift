/// The agent's version, and the Go agent version whose wire behaviour it matches.
public enum AgentVersion {
    public static let version = "0.1.0"
    public static let compatibleWith = "1.105.1"
    public static var summary: String { "ecs-agent \(version) (compatible with Amazon ECS agent \(compatibleWith))" }
}
