import AWSSupport
import AgentTestSupport
import ControlPlaneClient
import ECSModel
import Foundation
import Testing

actor FakeTelemetry: TelemetrySource {
    var metrics: [TaskMetric] = []
    /// When each collection asked for the instance status.
    var collections: [Double] = []
    var health: [TaskHealth] = []
    func set(metrics: [TaskMetric]) { self.metrics = metrics }
    func set(health: [TaskHealth]) { self.health = health }
    func taskMetrics() async -> [TaskMetric] { metrics }
    func taskHealth() async -> [TaskHealth] { health }
    func instanceStatuses() async -> [InstanceStatus] {
        collections.append(Date().timeIntervalSince1970)
        return [InstanceStatus(type: "ContainerRuntime", status: "OK", lastUpdated: 1, lastStatusChange: 1)]
    }
}

@Suite("TCS session against a scripted peer", .timeLimit(.minutes(2)))
struct TCSSessionTests {
    final class Harness: @unchecked Sendable {
        let peer = ScriptedWebSocketPeer()
        let api = FakeECSAPI()
        let source = FakeTelemetry()
        var session: TCSSession!
        var running: Task<Void, any Error>?

        func start(metricsEnabled: Bool = true, interval: Duration = .milliseconds(100)) async throws {
            try await peer.start()
            await api.set(endpoint: peer.url + "/acs/", telemetry: peer.url + "/tcs/")
            let credentials = CredentialChain([StaticCredentials()])
            session = TCSSession(registration: testRegistration, identity: testIdentity,
                                 discovery: EndpointDiscovery(api: api, containerInstanceArn: testRegistration.containerInstanceArn, cluster: "default"),
                                 dialer: WebSocketDialer(credentials: credentials, region: "us-west-2", logger: quietLogger()),
                                 credentials: credentials, region: "us-west-2", source: source, metricsEnabled: metricsEnabled,
                                 interval: interval, timing: fastTiming(heartbeat: .seconds(30)), logger: quietLogger())
            running = Task { [session] in try await session!.run() }
        }

        func stop() async {
            running?.cancel()
            _ = try? await running?.value
            await peer.stop()
        }
    }

    @Test("Each frame carries a signed header block that verifies over the TCS URL and the JSON after it")
    func signedFrames() async throws {
        let h = Harness()
        try await h.start()
        try await eventually("a connection with frames") { h.peer.connections(.tcs).first.map { $0.received.count >= 2 } ?? false }
        let c = h.peer.connections(.tcs)[0]
        #expect(c.query["cluster"] == "default")
        #expect(c.query["containerInstance"] == testRegistration.containerInstanceArn)
        #expect(c.query["dockerVersion"] == "20.10.24")
        #expect(c.query["clusterArn"] == nil && c.query["sendCredentials"] == nil)
        let frame = c.received[0]
        let parts = frame.components(separatedBy: "\r\n\r\n")
        let headerLines = parts[0].components(separatedBy: "\r\n")
        #expect(headerLines.map { $0.components(separatedBy: ": ")[0] } == ["Authorization", "Host", "X-Amz-Date"])
        let headers = headerLines.map { line -> (String, String) in
            let kv = line.components(separatedBy: ": ")
            return (kv[0], kv[1...].joined(separator: ": "))
        }
        let url = URLParts(h.peer.url + "/tcs/ws?" + (c.query.map { "\($0.key)=\($0.value)" }.joined(separator: "&")))!
        let request = SigV4.Request(method: "GET", path: url.path, query: url.query, headers: headers.filter { $0.0 != "Authorization" } + [headers[0]],
                                    body: Array(parts[1].utf8))
        let verifier = SigV4Verifier(service: "ecs") { $0 == "AKIDTEST" ? AWSCredentials(accessKeyId: "AKIDTEST", secretAccessKey: "secret") : nil }
        #expect((try? verifier.verify(request).get()) != nil, "the frame's signature did not verify")
        await h.stop()
    }

    @Test("An idle instance sends one idle, final metrics request per tick; task metrics go in batches of ten with fin on the last")
    func metricsShape() async throws {
        let h = Harness()
        try await h.start()
        try await eventually("an idle metrics frame") { !(h.peer.connections(.tcs).first?.envelopes("PublishMetricsRequest").isEmpty ?? true) }
        let idle = h.peer.connections(.tcs)[0].envelopes("PublishMetricsRequest")[0].message
        #expect(idle["metadata"]?["idle"] == true && idle["metadata"]?["fin"] == true)
        #expect(idle["timestamp"]?.doubleValue != nil)
        let metrics = (0..<12).map { i in
            TaskMetric(taskArn: "arn:task/\(i)", clusterArn: "default", taskDefinitionFamily: "f", taskDefinitionVersion: "1",
                       containerMetrics: [ContainerMetric(containerName: "c", cpuStatsSet: CWStatsSet(samples: [1, 3]), memoryStatsSet: CWStatsSet(samples: [10]))])
        }
        await h.source.set(metrics: metrics)
        try await eventually("a batch pair") {
            h.peer.connections(.tcs)[0].envelopes("PublishMetricsRequest").contains { $0.message["taskMetrics"]?.arrayValue?.count == 2 }
        }
        let frames = h.peer.connections(.tcs)[0].envelopes("PublishMetricsRequest").map(\.message)
        let last = try #require(frames.lastIndex { $0["taskMetrics"]?.arrayValue?.count == 2 })
        let first = frames[last - 1]
        #expect(first["taskMetrics"]?.arrayValue?.count == 10)
        #expect(first["metadata"]?["fin"] == false && frames[last]["metadata"]?["fin"] == true)
        #expect(first["metadata"]?["messageId"] == frames[last]["metadata"]?["messageId"])
        let cpu = first["taskMetrics"]?.arrayValue?[0]["containerMetrics"]?.arrayValue?[0]["cpuStatsSet"]
        #expect(["min", "max", "sampleCount", "sum"].map { cpu?[$0]?.doubleValue } == [1, 3, 2, 4])
        #expect(!h.peer.connections(.tcs)[0].envelopes("PublishInstanceStatusRequest").isEmpty)
        await h.stop()
    }

    @Test("With metrics disabled, only instance status (and health) is published")
    func metricsDisabled() async throws {
        let h = Harness()
        try await h.start(metricsEnabled: false)
        try await eventually("instance status frames") { (h.peer.connections(.tcs).first?.envelopes("PublishInstanceStatusRequest").count ?? 0) >= 2 }
        #expect(h.peer.connections(.tcs)[0].envelopes("PublishMetricsRequest").isEmpty)
        await h.stop()
    }

    @Test("While TCS is unreachable at most 15 frames wait, and they are sent, oldest first, once it is back")
    func buffersWhileDown() async throws {
        let h = Harness()
        h.peer.refuse((503, #"{"type":"ServerException","message":{"message":"down"}}"#))
        try await h.start(metricsEnabled: false, interval: .milliseconds(20))
        try await eventually(timeout: .seconds(60), "30 collections while TCS is down") { await h.source.collections.count >= 30 }
        let tenth = await h.source.collections[9]
        h.peer.refuse(nil)
        try await eventually("a connection") { !h.peer.connections(.tcs).isEmpty }
        try await eventually("the buffer sent") { h.peer.connections(.tcs)[0].envelopes("PublishInstanceStatusRequest").count >= 15 }
        let frames = h.peer.connections(.tcs)[0].envelopes("PublishInstanceStatusRequest")
        #expect(frames.count >= 15)
        // The first 15 are the buffer: in time order, all from before the reconnect.
        let stamps = frames.prefix(15).compactMap { $0.message["timestamp"]?.doubleValue }
        #expect(stamps == stamps.sorted())
        // Without the cap the first frame would be the first collection's; with it, at least the
        // first 15 of 30 were dropped.
        #expect(stamps[0] > tenth, "the oldest buffered frame is from before the tenth collection")
        await h.stop()
    }

    @Test("Container health goes out as PublishHealthRequest, ten tasks per request, fin on the last")
    func health() async throws {
        let h = Harness()
        let tasks = (0..<11).map { i in
            TaskHealth(taskArn: "arn:task/\(i)", clusterArn: "default", taskDefinitionFamily: "f", taskDefinitionVersion: "1",
                       containers: [ContainerHealth(containerName: "c", healthStatus: "HEALTHY", statusSince: 1)])
        }
        await h.source.set(health: tasks)
        try await h.start()
        try await eventually("two health frames") { (h.peer.connections(.tcs).first?.envelopes("PublishHealthRequest").count ?? 0) >= 2 }
        let frames = h.peer.connections(.tcs)[0].envelopes("PublishHealthRequest").map(\.message)
        #expect(frames[0]["tasks"]?.arrayValue?.count == 10 && frames[0]["metadata"]?["fin"] == false)
        #expect(frames[1]["tasks"]?.arrayValue?.count == 1 && frames[1]["metadata"]?["fin"] == true)
        #expect(frames[0]["tasks"]?.arrayValue?[0]["containers"]?.arrayValue?[0]["healthStatus"] == "HEALTHY")
        await h.stop()
    }
}
