import AWSSupport
import AgentTestSupport
import ECSModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Logging
import Testing
import WSClient

@Suite("TCS", .enabled(if: TestEnvironment.integrationEnabled, "needs a live ecs-local: run scripts/test"))
struct TelemetryTests {
    @Test("Frames with the signed header block are accepted and acknowledged; the latest metrics show at /admin/telemetry")
    func publish() async throws {
        let server = try LocalServerProcess()
        try await server.start()
        defer { Task { await server.stop() } }
        let cli = AWSCLI(endpoint: server.url)
        try await cli.ecs(["create-cluster"])
        let agent = ScriptedAgent(cli: cli, cluster: "default")
        try await agent.register()
        let endpoint = try #require(try await cli.ecs(["discover-poll-endpoint", "--container-instance", agent.instanceArn]).string("telemetryEndpoint"))
        var components = URLComponents(string: endpoint + "ws")!
        components.queryItems = [.init(name: "cluster", value: "default"), .init(name: "containerInstance", value: agent.instanceArn)]
        let host = "\(components.host!):\(components.port!)"
        let creds = AWSCredentials(accessKeyId: LocalServerProcess.accessKeyId, secretAccessKey: LocalServerProcess.secretAccessKey)
        var headers = HTTPFields()
        let upgrade = SigV4.Request(method: "GET", path: components.percentEncodedPath, query: components.percentEncodedQuery ?? "",
                                    headers: [("Host", host)], payloadHash: SigV4.emptyPayloadHash)
        for (name, value) in SigV4.sign(upgrade, credentials: creds, region: "us-west-2", service: "ecs") { headers[HTTPField.Name(name)!] = value }

        let metrics = #"{"type":"PublishMetricsRequest","message":{"metadata":{"cluster":"default","containerInstance":"\#(agent.instanceArn)","messageId":"m1","idle":false,"fin":true},"taskMetrics":[{"taskArn":"arn:aws:ecs:us-west-2:000000000000:task/default/t1","containerMetrics":[{"containerName":"web","cpuStatsSet":{"max":12.5,"min":1,"sampleCount":3,"sum":20},"memoryStatsSet":{"max":64,"min":60,"sampleCount":3,"sum":186}}]}],"timestamp":1735689600.0}}"#
        // The Go agent prefixes each frame with a SigV4-signed header block (protocol.md §5.2).
        let signedFrame = SigV4.sign(SigV4.Request(method: "GET", path: "/tcs/ws", headers: [("Host", host)], body: Array(metrics.utf8)),
                                     credentials: creds, region: "us-west-2", service: "ecs")
            .sorted { $0.0 < $1.0 }.map { "\($0.0): \($0.1)\r\n" }.joined() + "Host: \(host)\r\n\r\n" + metrics
        let acks = LockedStrings()
        var logger = Logger(label: "test.tcs")
        logger.logLevel = .warning
        let url = components.url!.absoluteString.replacingOccurrences(of: "http://", with: "ws://")
        try await WebSocketClient.connect(url: url, configuration: .init(additionalHeaders: headers), logger: logger) { inbound, outbound, _ in
            try await outbound.write(.text(signedFrame))
            try await outbound.write(.text(#"{"type":"HeartbeatMessage","message":{"healthy":true}}"#))
            var seen = 0
            for try await message in inbound.messages(maxSize: 1 << 20) {
                if case .text(let text) = message { acks.append(text) }
                seen += 1
                if seen == 2 { break }
            }
            try await outbound.close(.normalClosure, reason: nil)
        }
        #expect(acks.values.contains { $0.contains("\"AckPublishMetric\"") })
        #expect(acks.values.contains { $0.contains("\"HeartbeatMessage\"") })
        let (data, _) = try await URLSession.shared.data(from: URL(string: server.url + "/admin/telemetry")!)
        let report = try #require(JSONValue.parse(Array(data)))
        let entry = report[agent.instanceArn]?["PublishMetricsRequest arn:aws:ecs:us-west-2:000000000000:task/default/t1"]
        #expect(entry?["message"]?["containerMetrics"]?.arrayValue?.first?["cpuStatsSet"]?["max"] == .double(12.5))
    }
}

final class LockedStrings: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ s: String) { lock.withLock { items.append(s) } }
    var values: [String] { lock.withLock { items } }
}
