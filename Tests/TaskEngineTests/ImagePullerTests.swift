import AgentTestSupport
import ECSModel
import Logging
import Synchronization
import Testing
@testable import TaskEngine

@Suite("Image puller: credentials asked for only when a pull starts")
struct ImagePullerTests {
    final class Counter: Sendable {
        let value = Mutex(0)
        func next() { value.withLock { $0 += 1 } }
        var count: Int { value.withLock { $0 } }
    }

    @Test("prefer-cached with the image present asks for no credentials; a missing image asks once however many containers want it")
    func lazyLogin() async throws {
        let runtime = FakeContainerRuntime()
        runtime.images = ["cached:1"]
        let puller = ImagePuller(runtime: runtime, behavior: .preferCached, logger: Logger(label: "test"))
        let asked = Counter()
        let provider: ImagePuller.LoginProvider = { asked.next(); return RegistryLogin(username: "AWS", password: "p", serverAddress: "") }
        #expect(try await puller.ensure("cached:1", loginProvider: provider) == .cached)
        #expect(asked.count == 0)
        try await withThrowingTaskGroup(of: ImagePuller.Outcome.self) { group in
            for _ in 0..<5 { group.addTask { try await puller.ensure("new:1", loginProvider: provider) } }
            // A caller that comes after the pull finished finds the image cached: also right.
            for try await outcome in group { #expect(outcome == .pulled || outcome == .cached) }
        }
        #expect(runtime.callCount("pull new:1") >= 1)
        #expect(asked.count == runtime.callCount("pull new:1"), "one credentials call per pull actually made")
    }

    @Test("A credentials failure is the task's reason as the source worded it; under always it stops the task")
    func loginFailure() async throws {
        let runtime = FakeContainerRuntime()
        let always = ImagePuller(runtime: runtime, behavior: .always, logger: Logger(label: "test"))
        await #expect(throws: ImagePullError.self) {
            _ = try await always.ensure("private:1") { throw RegistryAuthError("CannotPullECRContainerError: denied") }
        }
        do {
            _ = try await always.ensure("private:1") { throw RegistryAuthError("CannotPullECRContainerError: denied") }
        } catch let error as ImagePullError {
            #expect(error.reason == "CannotPullECRContainerError: denied")
        }
        #expect(runtime.callCount("pull") == 0, "no pull without its credentials")
        let lenient = ImagePuller(runtime: runtime, behavior: .default, logger: Logger(label: "test"))
        #expect(try await lenient.ensure("private:1") { throw RegistryAuthError("CannotPullContainerAuthError: gone") } == .failedContinuing("CannotPullContainerAuthError: gone"))
    }
}
