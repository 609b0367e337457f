public import AWSSupport
public import ECSModel

/// The ECS API calls the agent makes (protocol.md §2), as a narrow protocol so sessions and the
/// registrar can be tested against a hand-written fake.
public protocol ECSAPI: Sendable {
    func registerContainerInstance(_ input: JSONValue) async throws(AWSJSONClient.CallError) -> JSONValue
    func createCluster(name: String) async throws(AWSJSONClient.CallError) -> JSONValue
    func discoverPollEndpoint(containerInstance: String, cluster: String) async throws(AWSJSONClient.CallError) -> JSONValue
    /// One attempt: the reporter owns the retry policy for state changes.
    func submitTaskStateChange(_ input: JSONValue) async throws(AWSJSONClient.CallError) -> JSONValue
}

/// `ECSAPI` over AWS JSON 1.1.
public struct ECSHTTPAPI: ECSAPI {
    let client: AWSJSONClient

    public init(client: AWSJSONClient) { self.client = client }

    public func registerContainerInstance(_ input: JSONValue) async throws(AWSJSONClient.CallError) -> JSONValue {
        try await client.call("RegisterContainerInstance", input)
    }

    public func createCluster(name: String) async throws(AWSJSONClient.CallError) -> JSONValue {
        try await client.call("CreateCluster", .object(["clusterName": .string(name)]))
    }

    public func discoverPollEndpoint(containerInstance: String, cluster: String) async throws(AWSJSONClient.CallError) -> JSONValue {
        try await client.call("DiscoverPollEndpoint", .object([
            "containerInstance": .string(containerInstance), "cluster": .string(cluster), "zoneId": .string(""),
        ]))
    }

    public func submitTaskStateChange(_ input: JSONValue) async throws(AWSJSONClient.CallError) -> JSONValue {
        try await client.once("SubmitTaskStateChange", input)
    }
}
