import AWSSupport
import ControlPlaneClient
import AgentTestSupport
import ECSModel
import Foundation
import HTTPTypes
import Logging
import WSClient

/// A scripted agent peer: registers through the aws CLI, holds an ACS websocket signed as the
/// Go agent signs it, records what the server sends, and sends what the test tells it to.
/// Not the real agent (that is issue 4); just enough to drive ecs-local the way one does.
final class ScriptedAgent: @unchecked Sendable {
    let cli: AWSCLI
    let cluster: String
    private(set) var instanceArn = ""
    private let lock = NSLock()
    private var received: [ACSEnvelope] = []
    private var connection: Task<Void, any Error>?
    private var outgoing: AsyncStream<String>.Continuation?

    init(cli: AWSCLI, cluster: String) {
        self.cli = cli
        self.cluster = cluster
    }

    func setInstance(_ arn: String) {
        instanceArn = arn
    }

    var frames: [ACSEnvelope] { lock.withLock { received } }
    var payloads: [ACSPayloadMessage] { frames.filter { $0.type == "PayloadMessage" }.compactMap { try? $0.decodeMessage(ACSPayloadMessage.self) } }

    @discardableResult
    func register(cpu: Int = 2048, memory: Int = 2048, attributes: [(String, String?)] = []) async throws -> [String: Any] {
        let attrs = attributes.map { name, value in value.map { #"{"name":"\#(name)","value":"\#($0)"}"# } ?? #"{"name":"\#(name)"}"# }
        let out = try await cli.ecs([
            "register-container-instance", "--cluster", cluster,
            "--total-resources", #"[{"name":"CPU","type":"INTEGER","integerValue":\#(cpu)},{"name":"MEMORY","type":"INTEGER","integerValue":\#(memory)},{"name":"PORTS","type":"STRINGSET","stringSetValue":["22","2375","2376","51678","51679"]},{"name":"PORTS_UDP","type":"STRINGSET","stringSetValue":[]}]"#,
            "--attributes", "[" + attrs.joined(separator: ",") + "]",
            "--version-info", #"{"agentVersion":"1.105.1","agentHash":"a8b3e7d3","dockerVersion":"DockerVersion: 20.10.24"}"#,
        ])
        instanceArn = out.string("containerInstance.containerInstanceArn") ?? ""
        return out
    }

    /// Discovers the ACS endpoint and connects, signing the upgrade like the Go agent.
    func connect(secret: String = LocalServerProcess.secretAccessKey) async throws {
        let endpoint = try await cli.ecs(["discover-poll-endpoint", "--container-instance", instanceArn, "--cluster", cluster]).string("endpoint") ?? ""
        var components = URLComponents(string: endpoint + "ws")!
        let query = [("agentHash", "a8b3e7d3"), ("agentVersion", "1.105.1"), ("clusterArn", cluster), ("containerInstanceArn", instanceArn),
                     ("dockerVersion", "DockerVersion: 20.10.24"), ("protocolVersion", "2"), ("sendCredentials", "true"), ("seqNum", "1")]
        // Go's url.Values.Encode: sorted keys, spaces as '+'.
        components.percentEncodedQuery = GoQuery.encode(query)
        let host = "\(components.host!):\(components.port!)"
        let request = SigV4.Request(method: "GET", path: components.percentEncodedPath, query: components.percentEncodedQuery ?? "",
                                    headers: [("Host", host)], payloadHash: SigV4.emptyPayloadHash)
        let credentials = AWSCredentials(accessKeyId: cli.accessKeyId, secretAccessKey: secret)
        var headers = HTTPFields()
        for (name, value) in SigV4.sign(request, credentials: credentials, region: "us-west-2", service: "ecs") {
            headers[HTTPField.Name(name)!] = value
        }
        let url = components.url!.absoluteString.replacingOccurrences(of: "http://", with: "ws://")
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        outgoing = continuation
        var logger = Logger(label: "test.acs-peer")
        logger.logLevel = .warning
        connection = Task { [self] in
            try await WebSocketClient.connect(url: url, configuration: .init(additionalHeaders: headers), logger: logger) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            if case .text(let text) = message, let envelope = ACSEnvelope.decode(text) {
                                self.record(envelope)
                            }
                        }
                    }
                    group.addTask {
                        for await text in stream { try await outbound.write(.text(text)) }
                        try await outbound.close(.normalClosure, reason: "peer done")
                    }
                    try await group.next()
                    group.cancelAll()
                }
            }
        }
    }

    private func record(_ envelope: ACSEnvelope) {
        lock.withLock { received.append(envelope) }
    }

    func send(_ type: String, _ message: some Encodable) throws {
        outgoing?.yield(try ACSEnvelope.encode(type: type, message))
    }

    func ack(_ payload: ACSPayloadMessage) throws {
        try send("AckRequest", ACSAckRequest(cluster: payload.clusterArn, containerInstance: payload.containerInstanceArn, messageId: payload.messageId))
        for task in payload.tasks ?? [] {
            for creds in [task.roleCredentials, task.executionRoleCredentials].compactMap({ $0 }) {
                try send("IAMRoleCredentialsAckRequest", ACSIAMRoleCredentialsAckRequest(messageId: payload.messageId, expiration: creds.expiration, credentialsId: creds.credentialsId))
            }
        }
    }

    /// Closes the websocket (a clean close, as the agent's periodic recycle does).
    func disconnect() async {
        outgoing?.finish()
        _ = try? await connection?.value
        connection = nil
    }

    /// The ACS connection task ended (with the server's refusal, if any).
    func connectionResult() async -> Result<Void, any Error> {
        guard let connection else { return .success(()) }
        do { try await connection.value; return .success(()) } catch { return .failure(error) }
    }

    func waitForPayload(after count: Int = 0, timeout: Duration = .seconds(15)) async throws -> ACSPayloadMessage {
        try await eventually(timeout: timeout, "a PayloadMessage (have \(payloads.count))") { payloads.count > count }
        return payloads[count]
    }
}
