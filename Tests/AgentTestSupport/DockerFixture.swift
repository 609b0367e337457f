@_exported import DockerEngine
import Foundation
import Logging

/// A Docker client for one test, with labels that mark what it creates and a LIFO list of
/// clean-ups that run whatever the test's outcome.
public final class DockerFixture: @unchecked Sendable {
    public let docker: DockerClient
    public let labels: [String: String]
    private let lock = NSLock()
    private var cleanups: [(String, @Sendable () async throws -> Void)] = []

    init(docker: DockerClient) {
        self.docker = docker
        self.labels = [TestEnvironment.runLabelKey: TestEnvironment.runID]
    }

    /// Runs `body` with a connected client; removes what it registered, newest first.
    public static func with<T>(_ body: (DockerFixture) async throws -> T) async throws -> T {
        guard let endpoint = DockerEndpoint(TestEnvironment.dockerHost) else {
            throw FixtureError("DOCKER_HOST=\(TestEnvironment.dockerHost) is not a Docker endpoint")
        }
        var logger = Logger(label: "test.docker")
        logger.logLevel = .warning
        let docker = DockerClient(endpoint: endpoint, logger: logger)
        let fixture = DockerFixture(docker: docker)
        do {
            try await docker.negotiateVersion()
        } catch {
            try? await docker.shutdown()
            throw FixtureError("dockerd is not reachable at \(endpoint): \(error). scripts/test starts it.")
        }
        let result: Result<T, any Error>
        do {
            result = .success(try await body(fixture))
        } catch {
            result = .failure(error)
        }
        await fixture.cleanUp()
        try? await docker.shutdown()
        return try result.get()
    }

    public func onCleanup(_ what: String, _ action: @escaping @Sendable () async throws -> Void) {
        lock.withLock { cleanups.append((what, action)) }
    }

    /// A unique name for a test resource.
    public func name(_ prefix: String) -> String {
        "ecs-agent-test-\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Creates a labelled container from the test image and registers its removal.
    public func createContainer(_ prefix: String, cmd: [String], configure: (inout ContainerCreateBody) -> Void = { _ in }) async throws -> String {
        var body = ContainerCreateBody(image: TestEnvironment.testImage, cmd: cmd, labels: labels)
        configure(&body)
        body.labels = (body.labels ?? [:]).merging(labels) { a, _ in a }
        let created = try await docker.createContainer(name: name(prefix), body)
        let docker = self.docker
        onCleanup("container \(created.id)") { try await docker.removeContainer(created.id, force: true) }
        return created.id
    }

    func cleanUp() async {
        let list = lock.withLock { () -> [(String, @Sendable () async throws -> Void)] in
            defer { cleanups.removeAll() }
            return cleanups
        }
        for (what, action) in list.reversed() {
            do {
                try await action()
            } catch let error as DockerError where error.isNotFound {
                continue  // already gone
            } catch {
                FileHandle.standardError.write(Data("cleanup of \(what) failed: \(error)\n".utf8))
            }
        }
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds or `timeout` passes; for states that have no event to await.
/// The default is generous: under the full parallel suite on 2 cores one aws CLI probe can take seconds.
public func eventually(
    timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(50),
    _ what: String, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
    throw FixtureError("timed out after \(timeout) waiting for \(what)")
}
