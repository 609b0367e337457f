import AWSSupport
import AgentTestSupport
import ECSModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import WSClient
@testable import LocalControlPlane

/// Malformed and random input over HTTP and the websocket: always an AWS-shaped answer, never
/// a crash, never a change of state.
@Suite("Bad input")
struct BadInputTests {
    static let credentials = AWSCredentials(accessKeyId: "AKIDTEST", secretAccessKey: "secret")

    func app(_ h: Harness, verify: Bool) -> some ApplicationProtocol {
        var logger = Logger(label: "test.http")
        logger.logLevel = .critical
        let verifier = verify ? SigV4Verifier(service: "ecs") { $0 == Self.credentials.accessKeyId ? Self.credentials : nil } : nil
        return ECSLocalHTTP.application(plane: h.plane, telemetry: TelemetryStore(), verifier: verifier, host: "127.0.0.1", port: 0, logger: logger)
    }

    func post(_ client: some TestClientProtocol, target: String?, body: [UInt8], headers extra: HTTPFields = [:]) async throws -> (Int, JSONValue?) {
        var headers: HTTPFields = [.contentType: "application/x-amz-json-1.1"]
        if let target { headers[HTTPField.Name("X-Amz-Target")!] = target }
        headers.append(contentsOf: extra)
        return try await client.execute(uri: "/", method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
            (Int(response.status.code), JSONValue.parse(Array(buffer: response.body)))
        }
    }

    static let cases: [(String?, String, Int, String)] = [
        ("AmazonEC2ContainerServiceV20141113.ListClusters", "{not json", 400, "SerializationException"),
        ("AmazonEC2ContainerServiceV20141113.LaunchRockets", "{}", 400, "UnknownOperationException"),
        (nil, "{}", 400, "UnknownOperationException"),
        ("SomethingElse.ListClusters", "{}", 400, "UnknownOperationException"),
        ("AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition", "{}", 400, "InvalidParameterException"),
        ("AmazonEC2ContainerServiceV20141113.DescribeTasks", #"{"tasks":[]}"#, 400, "InvalidParameterException"),
        ("AmazonEC2ContainerServiceV20141113.StopTask", #"{"task":"arn:aws:ecs:us-west-2:000000000000:task/default/none"}"#, 400, "InvalidParameterException"),
        ("AmazonEC2ContainerServiceV20141113.DescribeContainerInstances", #"{"containerInstances":["not-an-arn"]}"#, 200, ""),
        ("AmazonEC2ContainerServiceV20141113.RunTask", #"{"taskDefinition":"arn:aws:ecs:us-west-2:000000000000:task-definition/x:1"}"#, 400, "ClientException"),
        ("AmazonEC2ContainerServiceV20141113.ListTasks", #"{"maxResults":1000}"#, 400, "InvalidParameterException"),
        ("AmazonEC2ContainerServiceV20141113.SubmitTaskStateChange", #"{"task":"x","status":"RUNNING"}"#, 400, "InvalidParameterException"),
    ]

    @Test("Malformed requests get AWS's error shape, with __type and a message", arguments: cases)
    func malformed(target: String?, body: String, status: Int, type: String) async throws {
        let h = try await Harness.make()
        try await h.call("CreateCluster")
        try await app(h, verify: false).test(.router) { client in
            let (code, json) = try await post(client, target: target, body: Array(body.utf8))
            #expect(code == status, "\(String(describing: json))")
            if !type.isEmpty {
                #expect(json?["__type"]?.stringValue == type)
                #expect(json?["message"]?.stringValue?.isEmpty == false)
            }
        }
    }

    @Test("Without a signature, or with a garbled one, requests are refused")
    func unsigned() async throws {
        let h = try await Harness.make()
        try await app(h, verify: true).test(.router) { client in
            let (code, json) = try await post(client, target: "AmazonEC2ContainerServiceV20141113.CreateCluster", body: Array("{}".utf8))
            #expect(code == 403)
            #expect(json?["__type"]?.stringValue == "MissingAuthenticationTokenException")
            let garbled: HTTPFields = [.authorization: "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-west-2/ecs/aws4_request"]
            let (code2, json2) = try await post(client, target: "AmazonEC2ContainerServiceV20141113.CreateCluster", body: Array("{}".utf8), headers: garbled)
            #expect(code2 == 400)
            #expect(json2?["__type"]?.stringValue == "IncompleteSignatureException")
        }
        #expect(try await h.call("ListClusters")["clusterArns"]?.strings == [])
    }

    static func randomBody(_ rng: inout SeededGenerator) -> [UInt8] {
        let fragments = ["{", "}", "[", "]", "\"cluster\"", "\"taskDefinition\"", ":", ",", "null", "true", "1e999", "-1",
                         "\"containerDefinitions\"", "\"count\"", "\"tasks\"", "\"\\u0000\"", "\"arn:aws:ecs:\"", "{\"a\":", "9999999999999999999"]
        if Bool.random(using: &rng) {
            return (0..<Int.random(in: 0..<200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
        return Array((0..<Int.random(in: 1..<30, using: &rng)).map { _ in fragments.randomElement(using: &rng)! }.joined().utf8)
    }

    @Test("Random bodies to every operation never crash the server and never change its state", arguments: 0..<3)
    func fuzzHTTP(seed: Int) async throws {
        let h = try await Harness.make()
        try await h.call("CreateCluster")
        try await h.call("RegisterTaskDefinition", webTaskDefinition)
        let before = try await h.call("DescribeClusters")
        var rng = SeededGenerator(seed: UInt64(seed + 1) &* 2_654_435_761)
        let operations = ControlPlane.operations.sorted().filter { !["CreateCluster", "DeleteCluster", "RegisterTaskDefinition"].contains($0) }
        var bodies: [(String, [UInt8])] = []
        for _ in 0..<300 { bodies.append((operations.randomElement(using: &rng)!, Self.randomBody(&rng))) }
        let requests = bodies
        try await app(h, verify: false).test(.router) { client in
            for (operation, body) in requests {
                let (code, json) = try await post(client, target: ECSLocalHTTP.targetPrefix + operation, body: body)
                #expect(code == 200 || json?["__type"]?.stringValue != nil, "\(operation) \(body): \(code)")
            }
            let (code, _) = try await post(client, target: ECSLocalHTTP.targetPrefix + "ListClusters", body: Array("{}".utf8))
            #expect(code == 200)
        }
        // Read-only and validating operations change nothing that matters here.
        #expect(try await h.call("DescribeClusters")["clusters"]?.arrayValue?.first?["clusterArn"] == before["clusters"]?.arrayValue?.first?["clusterArn"])
        #expect(try await h.call("ListTaskDefinitionFamilies")["families"]?.strings == ["web"])
    }

    @Test("Random websocket frames never crash ACS, and an outbox is untouched by bogus acks",
          .enabled(if: TestEnvironment.integrationEnabled, "opens sockets: run scripts/test"))
    func fuzzWebSocket() async throws {
        let h = try await Harness.make()
        try await h.call("CreateCluster")
        try await h.call("RegisterTaskDefinition", webTaskDefinition)
        let instance = try await h.registerInstance()
        let session = RecordingSession()
        try await h.plane.attach(session, instanceArn: instance)
        try await h.call("RunTask", #"{"taskDefinition":"web"}"#)
        await h.plane.detach(session.id, instanceArn: instance)
        let pending = await h.plane.unacknowledged(instanceArn: instance)
        #expect(pending.count == 1)

        var logger = Logger(label: "test.ws")
        logger.logLevel = .critical
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = ECSLocalHTTP.application(plane: h.plane, telemetry: TelemetryStore(), verifier: nil, host: "127.0.0.1", port: 0, logger: logger) {
            portContinuation.yield($0.localAddress?.port ?? 0)
        }
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { server.cancel() }
        var iterator = portStream.makeAsyncIterator()
        let port = try #require(await iterator.next())

        var rng = SeededGenerator(seed: 42)
        var frames: [String] = []
        for i in 0..<300 {
            switch i % 4 {
            case 0: frames.append(String(decoding: Self.randomBody(&rng), as: UTF8.self))
            case 1: frames.append(#"{"type":"AckRequest","message":{"messageId":"\#(UInt64.random(in: 0...UInt64.max, using: &rng))"}}"#)
            case 2: frames.append(#"{"type":"\#(["PayloadMessage", "", "X", "HeartbeatAckRequest"].randomElement(using: &rng)!)","message":\#(String(decoding: Self.randomBody(&rng), as: UTF8.self))}"#)
            default: frames.append(#"{"type":"AckRequest","message":[1,2,3]}"#)
            }
        }
        let toSend = frames
        let url = "ws://127.0.0.1:\(port)/acs/ws?containerInstanceArn=\(instance.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        try await WebSocketClient.connect(url: url, logger: logger) { inbound, outbound, _ in
            for frame in toSend { try await outbound.write(.text(frame)) }
            try await outbound.write(.binary(ByteBuffer(bytes: [0xff, 0x00, 0xfe])))
            try await outbound.close(.normalClosure, reason: nil)
            for try await _ in inbound.messages(maxSize: 1 << 20) {}
        }
        #expect(await h.plane.unacknowledged(instanceArn: instance) == pending)
        #expect(try await h.call("ListClusters")["clusterArns"]?.strings.count == 1)
    }
}
