import AWSSupport
import AgentTestSupport
import ControlPlaneClient
import ECSModel
import Foundation
import StateStore
import Testing

@Suite("State change reporter")
struct StateChangeReporterTests {
    func timing() -> StateChangeReporter.Timing {
        var t = StateChangeReporter.Timing()
        t.backoff = Backoff(initial: .milliseconds(20), maximum: .milliseconds(50), multiplier: 1.3, jitter: 0.2)
        return t
    }

    func change(_ task: String, _ status: String) -> TaskStateChangeRequest {
        TaskStateChangeRequest(cluster: "default", task: "arn:aws:ecs:us-west-2:1:task/default/\(task)", status: status,
                               containers: [ContainerStateChangeEntry(containerName: "web", status: status, exitCode: status == "STOPPED" ? 0 : nil)])
    }

    @Test("Changes are sent in order per task, retried through an outage, and leave the store only when accepted")
    func orderAndRetry() async throws {
        let api = FakeECSAPI()
        let store = try await AgentStateStore.open(directory: nil, logger: quietLogger())
        let reporter = StateChangeReporter(api: api, store: store, timing: timing(), logger: quietLogger())
        await api.fail("SubmitTaskStateChange", with: Array(repeating: .transport(operation: "SubmitTaskStateChange", reason: "down"), count: 4))
        let running = Task { try await reporter.run() }
        for (task, status) in [("a", "PENDING"), ("a", "RUNNING"), ("b", "RUNNING"), ("a", "STOPPED"), ("b", "STOPPED")] {
            try await reporter.record(change(task, status))
        }
        try await eventually("every change accepted") { await api.stateChangesAccepted.count == 5 }
        let accepted = await api.stateChangesAccepted
        func statuses(_ t: String) -> [String] { accepted.filter { $0["task"]!.stringValue!.hasSuffix("/\(t)") }.map { $0["status"]!.stringValue! } }
        #expect(statuses("a") == ["PENDING", "RUNNING", "STOPPED"])
        #expect(statuses("b") == ["RUNNING", "STOPPED"])
        #expect(accepted[0]["containers"]?.arrayValue?.first?["containerName"] == "web")
        #expect(accepted[0]["reason"] == "")
        // Removed from the store right after each acceptance.
        try await eventually("the outbox empty") { try await store.pendingStateChanges().isEmpty }
        running.cancel()
        await store.close()
    }

    @Test("A change the control plane refuses is dropped so later changes of the task still go")
    func refusedIsDropped() async throws {
        let api = FakeECSAPI()
        let store = try await AgentStateStore.open(directory: nil, logger: quietLogger())
        let reporter = StateChangeReporter(api: api, store: store, timing: timing(), logger: quietLogger())
        await api.fail("SubmitTaskStateChange", with: [.service(AWSError.invalidParameter("unknown task"))])
        let running = Task { try await reporter.run() }
        try await reporter.record(change("a", "RUNNING"))
        try await reporter.record(change("a", "STOPPED"))
        try await eventually("the second change accepted") { await api.stateChangesAccepted.count == 1 }
        #expect(await api.stateChangesAccepted[0]["status"] == "STOPPED")
        try await eventually("the store emptied") { try await store.pendingStateChanges().isEmpty }
        running.cancel()
        await store.close()
    }

    @Test("Changes recorded before a restart are sent by the next reporter, once")
    func survivesRestart() async throws {
        let dir = try TestEnvironment.temporaryDirectory("reporter")
        let api = FakeECSAPI()
        var store = try await AgentStateStore.open(directory: dir, logger: quietLogger())
        let first = StateChangeReporter(api: api, store: store, timing: timing(), logger: quietLogger())
        try await first.record(change("a", "STOPPED")) // never run: the "crash" comes before sending
        await store.close()
        store = try await AgentStateStore.open(directory: dir, logger: quietLogger())
        let second = StateChangeReporter(api: api, store: store, timing: timing(), logger: quietLogger())
        let running = Task { try await second.run() }
        try await eventually("the pending change sent") { await api.stateChangesAccepted.count == 1 }
        try await Task.sleep(for: .milliseconds(200))
        #expect(await api.stateChangesAccepted.count == 1)
        running.cancel()
        await store.close()
    }
}
