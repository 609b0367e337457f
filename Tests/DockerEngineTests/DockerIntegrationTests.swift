import AgentTestSupport
import Foundation
import Logging
import Testing
@testable import DockerEngine

/// Against the real dockerd started by scripts/test, with the busybox-static test image.
@Suite("Docker Engine integration", .enabled(if: TestEnvironment.integrationEnabled, "needs dockerd: run scripts/test"))
struct DockerIntegrationTests {
    @Test("A container's whole life: create, start, events, logs in order, stats, stop within its timeout, remove")
    func lifecycle() async throws {
        try await DockerFixture.with { fx in
            let docker = fx.docker
            let since = Int64(Date().timeIntervalSince1970 * 1e9) - 1_000_000_000
            let events = EventCollector(docker.events(filters: .label(TestEnvironment.runLabel).adding("type", "container"), since: since))

            // The script writes alternately to both streams, then idles until stopped; it
            // ignores SIGTERM so that the stop must escalate to SIGKILL after the timeout.
            let script = "trap '' TERM; for i in 1 2 3; do echo out$i; sleep 0.05; echo err$i >&2; sleep 0.05; done; while true; do sleep 0.1; done"
            let id = try await fx.createContainer("life", cmd: ["sh", "-c", script])
            try await docker.startContainer(id)
            try await docker.startContainer(id)  // idempotent: 304 is success

            let inspect = try await docker.inspectContainer(id)
            #expect(inspect.state?.running == true)
            #expect(inspect.config?.labels?[TestEnvironment.runLabelKey] == TestEnvironment.runID)

            // Logs: both streams, in the order written.
            try await eventually("six log lines") {
                var count = 0
                for try await chunk in docker.logs(id) { count += chunk.text.split(separator: "\n").count }
                return count >= 6
            }
            var lines: [(LogStream, String)] = []
            for try await chunk in docker.logs(id, options: .init(timestamps: true)) {
                for line in chunk.text.split(separator: "\n") { lines.append((chunk.stream, String(line))) }
            }
            #expect(lines.map { $0.1.split(separator: " ").last.map(String.init) ?? "" } == ["out1", "err1", "out2", "err2", "out3", "err3"])
            #expect(lines.map(\.0) == [.stdout, .stderr, .stdout, .stderr, .stdout, .stderr])
            let stamps = lines.map { $0.1.split(separator: " ").first.map(String.init) ?? "" }
            #expect(stamps == stamps.sorted())

            // One stats sample with CPU and memory.
            let stats = try await docker.stats(id)
            #expect((stats.cpuStats?.cpuUsage?.totalUsage ?? 0) > 0, "cpu usage is zero: are the cgroup v1 hierarchies mounted?")
            #expect((stats.memoryStats?.usage ?? 0) > 0)
            #expect(stats.memoryWorkingSet != nil)

            // Stop: TERM is ignored, so the stop takes the timeout and then kills.
            let start = ContinuousClock.now
            try await docker.stopContainer(id, timeout: .seconds(2))
            let took = ContinuousClock.now - start
            #expect(took >= .seconds(2) && took < .seconds(10), "stop took \(took)")
            let stopped = try await docker.inspectContainer(id)
            #expect(stopped.state?.running == false)
            #expect(stopped.state?.exitCode == 137)
            try await docker.stopContainer(id, timeout: .seconds(1))  // idempotent

            try await docker.removeContainer(id)
            let gone = await #expect(throws: DockerError.self) { try await docker.inspectContainer(id) }
            #expect(gone?.isNotFound == true)

            let actions = try await events.waitFor(id: id, actions: ["create", "start", "die", "destroy"])
            #expect(actions.filter { ["create", "start", "die", "destroy"].contains($0) } == ["create", "start", "die", "destroy"], "\(actions)")
            events.cancel()
        }
    }

    @Test("An events stream that is cut and resumed misses nothing and repeats nothing")
    func eventsResume() async throws {
        try await DockerFixture.with { fx in
            guard case .unix(let upstream) = fx.docker.endpoint else { throw FixtureError("needs a unix DOCKER_HOST") }
            let proxy = try await UnixSocketProxy(upstream: upstream)
            let viaProxy = DockerClient(endpoint: .unix(path: proxy.socketPath), logger: Logger(label: "test.proxy"))
            defer { Task { try? await viaProxy.shutdown(); await proxy.close() } }
            try await viaProxy.negotiateVersion()

            let resumes = Counter()
            let events = EventCollector(viaProxy.events(filters: .label(TestEnvironment.runLabel).adding("type", "container"),
                                                        onResume: { _ in resumes.increment() }))
            let first = try await fx.createContainer("before-cut", cmd: ["true"])
            _ = try await events.waitFor(id: first, actions: ["create"])

            // Cut the stream and keep it down while three containers come and go.
            proxy.setRefusing(true)
            await proxy.cutAll()
            var during: [String] = []
            for i in 0..<3 {
                let id = try await fx.createContainer("during-cut-\(i)", cmd: ["true"])
                try await fx.docker.startContainer(id)
                _ = try await fx.docker.waitContainer(id, timeout: .seconds(20))
                during.append(id)
            }
            proxy.setRefusing(false)

            for id in during {
                let actions = try await events.waitFor(id: id, actions: ["create", "start", "die"])
                #expect(actions.filter { $0 == "create" }.count == 1, "\(id): \(actions)")
                #expect(actions.filter { $0 == "start" }.count == 1, "\(id): \(actions)")
                #expect(actions.filter { $0 == "die" }.count == 1, "\(id): \(actions)")
            }
            let firstActions = events.actions(for: first)
            #expect(firstActions.filter { $0 == "create" }.count == 1, "the event before the cut came twice: \(firstActions)")
            #expect(resumes.value >= 1)
            #expect(proxy.acceptedCount >= 2)
            events.cancel()
        }
    }

    @Test("A pull from the loopback registry with htpasswd auth works, and a wrong password names the registry")
    func registryPull() async throws {
        let registry = try #require(TestEnvironment.registry, "scripts/test-fixtures sets ECS_TEST_REGISTRY")
        try await DockerFixture.with { fx in
            let reference = "\(registry)/\(TestEnvironment.registryImage)"
            fx.onCleanup("image \(reference)") { try await fx.docker.removeImage(reference, force: true) }

            let wrong = RegistryCredentials(username: TestEnvironment.registryUser, password: "wrong-password", serverAddress: registry)
            let error = await #expect(throws: DockerError.self) { try await fx.docker.pullImage(reference, credentials: wrong) }
            #expect("\(error!)".contains("registry \(registry)"), "\(error!)")
            #expect(!"\(error!)".contains("wrong-password"))

            let right = RegistryCredentials(username: TestEnvironment.registryUser, password: TestEnvironment.registryPassword, serverAddress: registry)
            let progress = Counter()
            try await fx.docker.pullImage(reference, credentials: right) { _ in progress.increment() }
            #expect(progress.value > 0)
            let image = try await fx.docker.inspectImage(reference)
            #expect(image.repoTags?.contains(reference) == true)
            let listed = try await fx.docker.listImages(filters: DockerFilters(["reference": [reference]]))
            #expect(listed.count == 1)
        }
    }

    @Test("A pull of an image that exists nowhere fails fast with the registry named")
    func pullMissing() async throws {
        let registry = try #require(TestEnvironment.registry)
        try await DockerFixture.with { fx in
            let credentials = RegistryCredentials(username: TestEnvironment.registryUser, password: TestEnvironment.registryPassword, serverAddress: registry)
            let error = await #expect(throws: DockerError.self) {
                try await fx.docker.pullImage("\(registry)/ecs-agent-test/absent:\(TestEnvironment.runID)", credentials: credentials)
            }
            #expect("\(error!)".contains(registry))
        }
    }

    @Test("Volumes: create with labels, inspect, list by label, remove")
    func volumes() async throws {
        try await DockerFixture.with { fx in
            let name = fx.name("vol")
            let created = try await fx.docker.createVolume(.init(name: name, labels: fx.labels))
            fx.onCleanup("volume \(name)") { try await fx.docker.removeVolume(name, force: true) }
            #expect(created.name == name)
            #expect(try await fx.docker.inspectVolume(name).labels?[TestEnvironment.runLabelKey] == TestEnvironment.runID)
            let listed = try await fx.docker.listVolumes(filters: .label(TestEnvironment.runLabel))
            #expect(listed.contains { $0.name == name })
            try await fx.docker.removeVolume(name)
            let gone = await #expect(throws: DockerError.self) { try await fx.docker.inspectVolume(name) }
            #expect(gone?.isNotFound == true)
        }
    }

    @Test("Exec: run a command in a running container and collect its output and exit code")
    func exec() async throws {
        try await DockerFixture.with { fx in
            let id = try await fx.createContainer("exec", cmd: ["sleep", "60"])
            try await fx.docker.startContainer(id)
            let result = try await fx.docker.execRun(id, ["sh", "-c", "echo hello; echo oops >&2; exit 3"])
            #expect(result.exitCode == 3)
            #expect(result.stdoutText == "hello\n")
            #expect(result.stderrText == "oops\n")
            try await fx.docker.killContainer(id)
            let waited = try await fx.docker.waitContainer(id, timeout: .seconds(20))
            #expect(waited.statusCode == 137)
            let notRunning = await #expect(throws: DockerError.self) { try await fx.docker.killContainer(id) }
            #expect(notRunning?.isConflict == true)
        }
    }

    @Test("Listing by label finds exactly this run's containers; streamed stats deliver samples")
    func listAndStream() async throws {
        try await DockerFixture.with { fx in
            let id = try await fx.createContainer("list", cmd: ["sleep", "60"])
            try await fx.docker.startContainer(id)
            let listed = try await fx.docker.listContainers(filters: .label(TestEnvironment.runLabel))
            #expect(listed.contains { $0.id == id })
            #expect(listed.allSatisfy { $0.labels?[TestEnvironment.runLabelKey] == TestEnvironment.runID })
            var samples = 0
            for try await sample in fx.docker.statsStream(id) {
                #expect(sample.read != nil)
                samples += 1
                if samples == 2 { break }
            }
            #expect(samples == 2)
            let info = try await fx.docker.info()
            #expect(info.plugins?.log?.contains("json-file") == true)
        }
    }
}

/// Collects events in the background so a test can wait for the ones it expects.
final class EventCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [DockerEvent] = []
    private var ended: String?
    private var task: Task<Void, Never>?

    init(_ stream: AsyncThrowingStream<DockerEvent, any Error>) {
        task = Task {
            do {
                for try await event in stream { self.lock.withLock { self.seen.append(event) } }
                self.lock.withLock { self.ended = "the stream finished" }
            } catch {
                self.lock.withLock { self.ended = "the stream failed: \(error)" }
            }
        }
    }

    func actions(for id: String) -> [String] {
        lock.withLock { seen.filter { $0.actor.id == id }.map(\.action) }
    }

    /// Waits until every action in `actions` has been seen for `id`; returns all its actions.
    /// The bound is generous: the test shares two cores with CPU-bound fuzz tests.
    func waitFor(id: String, actions wanted: [String], timeout: Duration = .seconds(60)) async throws -> [String] {
        try await eventually(timeout: timeout, "events \(wanted) for \(id.prefix(12))") {
            let got = actions(for: id)
            if let ended = lock.withLock({ ended }), !wanted.allSatisfy(got.contains) {
                throw FixtureError("events stream ended before \(wanted) were seen (got \(got)): \(ended)")
            }
            return wanted.allSatisfy(got.contains)
        }
        return actions(for: id)
    }

    func cancel() { task?.cancel() }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
