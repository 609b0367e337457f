import AWSSupport
import AgentTestSupport
import ECSModel
import Foundation
import Hummingbird
import Logging
import NIOCore
import Testing

/// An ECS-shaped endpoint that answers from a script and checks each request's signature.
final class ScriptedEndpoint: @unchecked Sendable {
    let lock = NSLock()
    var script: [(Int, String)] = []
    var requests: [(target: String, verified: Bool, userAgent: String)] = []
    var url = ""
    var task: Task<Void, any Error>?
    let verifier = SigV4Verifier(service: "ecs") { $0 == "AKIDTEST" ? AWSCredentials(accessKeyId: "AKIDTEST", secretAccessKey: "secret") : nil }

    func start() async throws {
        let router = Router()
        router.post("/") { request, _ -> Response in
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            var headers = request.headers.map { ($0.name.rawName, $0.value) }
            if let authority = request.head.authority { headers.append(("host", authority)) }
            let verified = (try? self.verifier.verify(SigV4.Request(method: "POST", path: "/", headers: headers, body: body)).get()) != nil
            let (status, text) = self.lock.withLock { () -> (Int, String) in
                self.requests.append((request.headers[.init("X-Amz-Target")!] ?? "", verified, request.headers[.userAgent] ?? ""))
                return self.script.isEmpty ? (200, "{}") : self.script.removeFirst()
            }
            return Response(status: .init(code: status), headers: [.contentType: "application/x-amz-json-1.1"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let ready = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test.endpoint")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { ready.continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        task = Task { try await app.runService() }
        var it = ready.stream.makeAsyncIterator()
        url = "http://127.0.0.1:\(await it.next() ?? 0)"
    }

    func stop() async {
        task?.cancel()
        _ = try? await task?.value
    }
}

@Suite("AWS JSON 1.1 client")
struct AWSJSONClientTests {
    func client(_ url: String, attempts: Int = 3) -> AWSJSONClient {
        let chain = CredentialChain([EnvironmentCredentialProvider(values: ["AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret"])])
        return AWSJSONClient(options: .init(endpoint: url, region: "us-west-2", userAgent: "Amazon ECS Agent - v1.105.1 (test)", timeout: .seconds(5), attempts: attempts,
                                            backoff: Backoff(initial: .milliseconds(10), maximum: .milliseconds(40), multiplier: 2, jitter: 0.2)),
                             credentials: chain)
    }

    @Test("Requests are signed and targeted; throttling and 5xx are retried, then the answer is returned")
    func retriesTransient() async throws {
        let endpoint = ScriptedEndpoint()
        try await endpoint.start()
        defer { Task { await endpoint.stop() } }
        endpoint.script = [(400, #"{"__type":"com.amazonaws.ecs#ThrottlingException","message":"Rate exceeded"}"#),
                           (500, #"{"__type":"ServerException","message":"oops"}"#), (200, #"{"clusterArns":["a"]}"#)]
        let out = try await client(endpoint.url).call("ListClusters", [:])
        #expect(out["clusterArns"] == ["a"])
        #expect(endpoint.requests.count == 3)
        #expect(endpoint.requests.allSatisfy { $0.verified && $0.target == "AmazonEC2ContainerServiceV20141113.ListClusters" })
        #expect(endpoint.requests[0].userAgent.hasPrefix("Amazon ECS Agent - v1.105.1"))
    }

    @Test("A client error is returned at once with its type cut at '#' and its message")
    func clientErrorNotRetried() async throws {
        let endpoint = ScriptedEndpoint()
        try await endpoint.start()
        defer { Task { await endpoint.stop() } }
        endpoint.script = [(400, #"{"__type":"com.amazonaws.ecs#ClientException","message":"Cluster not found."}"#)]
        do {
            _ = try await client(endpoint.url).call("RegisterContainerInstance", [:])
            Issue.record("expected an error")
        } catch {
            #expect(error.awsError == AWSError("ClientException", "Cluster not found.", status: 400))
            #expect(!error.isTransient)
        }
        #expect(endpoint.requests.count == 1)
    }

    @Test("An endpoint that does not answer is a transient transport error after the attempts")
    func transport() async throws {
        do {
            _ = try await client("http://127.0.0.1:9", attempts: 2).call("ListClusters", [:])
            Issue.record("expected an error")
        } catch {
            guard case .transport = error else { Issue.record("got \(error)"); return }
            #expect(error.isTransient)
        }
    }

    @Test("Endpoints: ECS_BACKEND_HOST as given (https added), else the regional endpoint of the partition")
    func endpoints() {
        #expect(ECSEndpoint.resolve(backendHost: "http://127.0.0.1:8080", region: "us-west-2") == "http://127.0.0.1:8080")
        #expect(ECSEndpoint.resolve(backendHost: "ecs.example.com", region: "us-west-2") == "https://ecs.example.com")
        #expect(ECSEndpoint.resolve(backendHost: nil, region: "eu-west-1") == "https://ecs.eu-west-1.amazonaws.com")
        #expect(ECSEndpoint.resolve(backendHost: "", region: "cn-north-1") == "https://ecs.cn-north-1.amazonaws.com.cn")
        #expect(ECSEndpoint.resolve(backendHost: nil, region: "us-east-1", fips: true) == "https://ecs-fips.us-east-1.amazonaws.com")
    }

    @Test("Backoff grows by its multiplier to its cap and stays within the jitter bound")
    func backoff() {
        var b = Backoff(initial: .milliseconds(250), maximum: .seconds(30), multiplier: 1.5, jitter: 0.2)
        var rng = SeededGenerator(seed: 9)
        var previousBase = Duration.zero
        for i in 0..<40 {
            let d = b.next(using: &rng)
            let base = min(.seconds(30), .milliseconds(250) * pow(1.5, Double(i)))
            #expect(d >= base && d <= base * 1.2 + .milliseconds(1), "attempt \(i): \(d)")
            #expect(base >= previousBase)
            previousBase = base
        }
        #expect(b.bound == .seconds(36))
        b.reset()
        #expect(b.next(using: &rng) <= .milliseconds(300))
    }
}
