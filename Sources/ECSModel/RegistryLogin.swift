/// Credentials for one registry (from ECS_ENGINE_AUTH_DATA, later ECR or Secrets Manager),
/// shared by the configuration that reads them and the engine that pulls with them.
public struct RegistryLogin: Sendable, Equatable, CustomStringConvertible {
    public var username: String
    public var password: String
    public var serverAddress: String

    public init(username: String, password: String, serverAddress: String) {
        self.username = username
        self.password = password
        self.serverAddress = serverAddress
    }

    /// Never the password.
    public var description: String { "RegistryLogin(\(username)@\(serverAddress))" }
}
