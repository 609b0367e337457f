import AgentTestSupport
import Logging
import Testing
@testable import DockerEngine

/// The client against a stub daemon on a temporary Unix socket: what each failure becomes.
@Suite("Docker client errors, against a stub daemon")
struct ClientErrorTests {
    func withStub<T>(
        timeouts: DockerClient.Timeouts = .init(), limits: DockerClient.Limits = .init(),
        _ respond: @escaping @Sendable (StubHTTPServer.Request) async -> StubHTTPServer.Response,
        _ body: (DockerClient, StubHTTPServer) async throws -> T
    ) async throws -> T {
        let stub = try await StubHTTPServer(respond: respond)
        let client = DockerClient(endpoint: .unix(path: stub.socketPath), timeouts: timeouts, limits: limits, logger: Logger(label: "test"))
        defer { Task { try? await client.shutdown(); await stub.close() } }
        return try await body(client, stub)
    }

    @Test("Non-2xx answers throw .http with the status and Docker's message")
    func httpStatus() async throws {
        try await withStub({ _ in .init(status: 404, body: #"{"message":"No such container: abc"}"#) }) { client, _ in
            let error = await #expect(throws: DockerError.self) { try await client.inspectContainer("abc") }
            #expect(error?.status == 404)
            #expect(error?.isNotFound == true)
            #expect("\(error!)".contains("No such container: abc"))
            #expect("\(error!)".contains("inspect container abc"))
        }
    }

    @Test("Requests carry an explicit Host header, the versioned path and the query")
    func requestShape() async throws {
        try await withStub({ r in
            r.uri == "/version" ? .init(body: #"{"Version":"99.0","ApiVersion":"1.43","MinAPIVersion":"1.12"}"#) : .init(body: "[]")
        }) { client, stub in
            #expect(try await client.negotiateVersion() == APIVersion(1, 43))
            _ = try await client.listContainers(filters: .label("x=y"))
            let list = try #require(stub.requests.last)
            #expect(list.header("Host") == "docker")
            #expect(list.uri.hasPrefix("/v1.43/containers/json?all=1&filters="))
            #expect(list.uri.contains("%22x%3Dy%22"))
        }
    }

    @Test("A daemon newer than we know is capped at our newest version; an older one is refused")
    func versionBounds() async throws {
        try await withStub({ _ in .init(body: #"{"Version":"99.0","ApiVersion":"1.99"}"#) }) { client, _ in
            let version = try await client.negotiateVersion()
            #expect(version == DockerClient.maximumAPIVersion)
        }
        try await withStub({ _ in .init(body: #"{"Version":"1.9","ApiVersion":"1.20"}"#) }) { client, _ in
            let error = await #expect(throws: DockerError.self) { try await client.negotiateVersion() }
            guard case .unsupportedAPIVersion(let server, _)? = error else {
                Issue.record("expected unsupportedAPIVersion, got \(String(describing: error))")
                return
            }
            #expect(server == "1.20")
        }
    }

    @Test("An answer that is not the expected JSON throws .decoding")
    func decoding() async throws {
        try await withStub({ _ in .init(body: #"{"Id": 42}"#) }) { client, _ in
            let error = await #expect(throws: DockerError.self) { try await client.inspectContainer("abc") }
            guard case .decoding? = error else {
                Issue.record("expected decoding, got \(String(describing: error))")
                return
            }
        }
    }

    @Test("A daemon that does not answer in time throws .timeout")
    func timeout() async throws {
        var timeouts = DockerClient.Timeouts()
        timeouts.quick = .milliseconds(200)
        try await withStub(timeouts: timeouts, { _ in .init(body: "{}", headDelay: .seconds(120)) }) { client, _ in
            let start = ContinuousClock.now
            let error = await #expect(throws: DockerError.self) { try await client.inspectContainer("abc") }
            guard case .timeout(_, let after)? = error else {
                Issue.record("expected timeout, got \(String(describing: error))")
                return
            }
            #expect(after == .milliseconds(200))
            // Well before the 120 s the stub takes to answer: the deadline, not the answer, ended
            // the call. (Wall time is loose on purpose: parallel tests can starve the two
            // cooperative threads of these machines for seconds.)
            #expect(ContinuousClock.now - start < .seconds(60))
            #expect(error?.isRetriable == true)
        }
    }

    @Test("An answer over the body cap throws .bodyTooLarge")
    func bodyCap() async throws {
        var limits = DockerClient.Limits()
        limits.body = 1024
        let big = "[" + Array(repeating: #"{"Id":"x"}"#, count: 500).joined(separator: ",") + "]"
        try await withStub(limits: limits, { _ in .init(body: big) }) { client, _ in
            let error = await #expect(throws: DockerError.self) { try await client.listContainers() }
            guard case .bodyTooLarge(_, let limit)? = error else {
                Issue.record("expected bodyTooLarge, got \(String(describing: error))")
                return
            }
            #expect(limit == 1024)
        }
    }

    @Test("A missing socket throws .transport")
    func transport() async throws {
        let client = DockerClient(endpoint: .unix(path: "/nonexistent/docker.sock"), logger: Logger(label: "test"))
        defer { Task { try? await client.shutdown() } }
        let error = await #expect(throws: DockerError.self) { try await client.ping() }
        guard case .transport(let op, _)? = error else {
            Issue.record("expected transport, got \(String(describing: error))")
            return
        }
        #expect(op == "ping")
        #expect(error?.isRetriable == true)
    }

    @Test("Errors reported inside a pull's 200 stream become .stream naming the registry")
    func pullStreamError() async throws {
        let lines = #"{"status":"Pulling from app"}"# + "\n" + #"{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}"# + "\n"
        try await withStub({ _ in .init(body: lines) }) { client, stub in
            let credentials = RegistryCredentials(username: "u", password: "p", serverAddress: "127.0.0.1:5999")
            let error = await #expect(throws: DockerError.self) {
                try await client.pullImage("127.0.0.1:5999/app:1", credentials: credentials)
            }
            guard case .stream(let op, let message)? = error else {
                Issue.record("expected stream, got \(String(describing: error))")
                return
            }
            #expect(op.contains("registry 127.0.0.1:5999"))
            #expect(message == "manifest unknown")
            let auth = try #require(stub.requests.first?.header("X-Registry-Auth"))
            #expect(!auth.contains("+") && !auth.contains("/"))
        }
    }

    @Test("A pull whose progress goes silent is abandoned after the inactivity timeout")
    func pullInactivity() async throws {
        var timeouts = DockerClient.Timeouts()
        timeouts.pullInactivity = .milliseconds(700)
        let chunks: [(Duration, [UInt8])] = [(.zero, Array(#"{"status":"Downloading"}"#.utf8)), (.seconds(120), Array("{}".utf8))]
        try await withStub(timeouts: timeouts, { _ in .init(streaming: chunks) }) { client, _ in
            let start = ContinuousClock.now
            let error = await #expect(throws: DockerError.self) { try await client.pullImage("127.0.0.1:5999/app:1") }
            guard case .timeout? = error else {
                Issue.record("expected timeout, got \(String(describing: error))")
                return
            }
            #expect(ContinuousClock.now - start < .seconds(60))
        }
    }
}
