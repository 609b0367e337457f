import AgentTestSupport
import ECSModel
import Foundation
import Logging
import TaskEngine
import Testing

/// A TaskManager over a fake runtime and an in-memory store, running until `finish`.
final class EngineHarness: @unchecked Sendable {
    let runtime: FakeContainerRuntime
    let store: MemoryEngineStore
    let manager: TaskManager
    let admission: AdmissionQueue
    private var runner: Task<Void, any Error>?

    init(runtime: FakeContainerRuntime = FakeContainerRuntime(), store: MemoryEngineStore = MemoryEngineStore(),
         capacity: ResourceDemand = ResourceDemand(cpu: 4096, memoryMiB: 4096), behavior: PullBehavior = .default,
         cleanupWait: Duration = .milliseconds(50), orphanGrace: Duration = .seconds(3600), steadyStatePoll: Duration = .seconds(300),
         cgroups: (any TaskCgroups)? = nil) {
        self.runtime = runtime
        self.store = store
        var settings = EngineSettings(cluster: "test", region: "us-west-2", instanceLabel: "instance-1")
        settings.cleanupWait = cleanupWait
        settings.deliveryCheck = .milliseconds(20)
        settings.orphanGrace = orphanGrace
        settings.steadyStatePoll = steadyStatePoll
        var logger = Logger(label: "test.engine")
        logger.logLevel = .warning
        admission = AdmissionQueue(capacity: capacity)
        let services = EngineServices(
            settings: settings, runtime: runtime, store: store, admission: admission,
            ports: PortLedger(allocator: HostPortAllocator(range: 40000...40100, probe: { _, _ in true })),
            puller: ImagePuller(runtime: runtime, behavior: behavior, logger: logger), cgroups: cgroups, logger: logger,
            now: { Date().timeIntervalSince1970 })
        manager = TaskManager(services: services)
        let manager = self.manager
        runner = Task { try await manager.run() }
    }

    func finish() async {
        runner?.cancel()
        _ = await runner?.result
    }

    static func task(_ arn: String = "arn:aws:ecs:us-west-2:1:task/test/t1", containers: String, volumes: String = "[]", desired: String = "RUNNING") throws -> ACSTask {
        let json = #"{"arn":"\#(arn)","family":"fam","version":"3","desiredStatus":"\#(desired)","volumes":\#(volumes),"containers":\#(containers)}"#
        return try JSONDecoder().decode(ACSTask.self, from: Data(json.utf8))
    }

    func statuses(_ arn: String) -> [String] {
        store.reported(arn).map { change in
            let cs = (change.containers ?? []).map { "\($0.containerName ?? "")=\($0.status ?? "")" }.joined(separator: ",")
            return cs.isEmpty ? (change.status ?? "") : "\(change.status ?? "") \(cs)"
        }
    }

    func taskStatus(_ arn: String) -> String? { store.reported(arn).last?.status }

    func container(_ arn: String, _ name: String) -> ContainerStateChangeEntry? {
        store.reported(arn).flatMap { $0.containers ?? [] }.last { $0.containerName == name }
    }
}

@Suite("Task engine with a fake runtime")
struct TaskManagerTests {
    static let healthcheck = #"{\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"true\"],\"Interval\":1000000000}}"#

    static let threeContainers = """
    [{"name":"init","image":"img","essential":false,"command":["true"]},
     {"name":"web","image":"img","essential":true,"dependsOn":[{"containerName":"init","condition":"SUCCESS"}],
      "portMappings":[{"containerPort":80,"hostPort":0,"protocol":"tcp"}],"dockerConfig":{"config":"\(healthcheck)"},
      "mountPoints":[{"sourceVolume":"scratch","containerPath":"/data"}]},
     {"name":"sidecar","image":"img","essential":false,"dependsOn":[{"containerName":"web","condition":"HEALTHY"}],
      "mountPoints":[{"sourceVolume":"scratch","containerPath":"/data","readOnly":true}]}]
    """
    static let scratch = #"[{"name":"scratch","type":"docker","dockerVolumeConfiguration":{"scope":"task","driver":"local"}}]"#

    @Test("Containers start in dependency order; RUNNING carries the bindings; a stop goes in reverse order; cleanup removes containers and task volumes")
    func lifecycle() async throws {
        let h = EngineHarness()
        let arn = "arn:aws:ecs:us-west-2:1:task/test/life"
        try await h.manager.accept(try EngineHarness.task(arn, containers: Self.threeContainers, volumes: Self.scratch))
        try await eventually(timeout: .seconds(30), "init running") { h.runtime.container(named: "init")?.state == .running }
        #expect(h.runtime.container(named: "web") == nil, "web waits for init to succeed")
        h.runtime.exit("init", code: 0)
        try await eventually(timeout: .seconds(30), "web running") { h.runtime.container(named: "web")?.state == .running }
        #expect(h.runtime.container(named: "sidecar") == nil, "sidecar waits for web to be healthy")
        #expect(h.taskStatus(arn) == nil, "not RUNNING before every container reached its steady state")
        h.runtime.setHealthy("web")
        try await eventually(timeout: .seconds(30), "task RUNNING") { h.taskStatus(arn) == "RUNNING" }
        let web = try #require(h.container(arn, "web"))
        #expect(web.networkBindings?.first?.containerPort == 80)
        #expect((40000...40100).contains(web.networkBindings?.first?.hostPort ?? 0), "the dynamic port comes from the configured range")
        #expect(h.container(arn, "init")?.exitCode == 0)
        #expect(h.runtime.volumeNames.count == 1, "the task-scoped volume was made")

        await h.manager.stop(taskArns: [arn])
        try await eventually(timeout: .seconds(30), "task STOPPED") { h.taskStatus(arn) == "STOPPED" }
        let sidecarID = try #require(h.runtime.snapshot().first { $0.labels["com.amazonaws.ecs.container-name"] == "sidecar" }?.id)
        let webID = try #require(h.runtime.snapshot().first { $0.labels["com.amazonaws.ecs.container-name"] == "web" }?.id)
        let stops = h.runtime.calls.filter { $0.hasPrefix("stop ") }
        #expect(stops == ["stop \(sidecarID)", "stop \(webID)"], "the dependent stops before what it depends on: \(h.runtime.calls) \(h.statuses(arn))")
        #expect(h.container(arn, "web")?.exitCode == 143)
        #expect(h.statuses(arn).filter { $0.hasPrefix("RUNNING") && !$0.contains("=") }.isEmpty)
        try await eventually(timeout: .seconds(30), "cleanup") { h.runtime.snapshot().isEmpty && h.runtime.volumeNames.isEmpty && h.store.record(arn) == nil }
        try await eventually(timeout: .seconds(30), "forgotten") { !(await h.manager.knows(taskArn: arn)) }
        await h.finish()
    }

    @Test("An essential container that exits stops the task; its exit code is reported")
    func essentialExit() async throws {
        let h = EngineHarness()
        let arn = "arn:aws:ecs:us-west-2:1:task/test/ess"
        try await h.manager.accept(try EngineHarness.task(arn, containers: #"[{"name":"a","image":"img"},{"name":"b","image":"img","essential":false}]"#))
        try await eventually(timeout: .seconds(30), "RUNNING") { h.taskStatus(arn) == "RUNNING" }
        h.runtime.exit("a", code: 2)
        try await eventually(timeout: .seconds(30), "STOPPED") { h.taskStatus(arn) == "STOPPED" }
        #expect(h.container(arn, "a")?.exitCode == 2)
        #expect(h.container(arn, "b")?.status == "STOPPED")
        await h.finish()
    }

    @Test("A dependency that can never be met stops the dependent with exit code 143 and a reason; the task stops")
    func unmeetable() async throws {
        let h = EngineHarness()
        let arn = "arn:aws:ecs:us-west-2:1:task/test/dep"
        try await h.manager.accept(try EngineHarness.task(arn, containers: """
            [{"name":"init","image":"img","essential":false},
             {"name":"web","image":"img","dependsOn":[{"containerName":"init","condition":"SUCCESS"}]}]
            """))
        try await eventually(timeout: .seconds(30), "init running") { h.runtime.container(named: "init")?.state == .running }
        h.runtime.exit("init", code: 1)
        try await eventually(timeout: .seconds(30), "STOPPED") { h.taskStatus(arn) == "STOPPED" }
        let web = try #require(h.container(arn, "web"))
        #expect(web.exitCode == 143)
        #expect(web.reason?.contains("exited with 1, condition SUCCESS cannot be met") == true)
        #expect(h.runtime.container(named: "web") == nil, "web was never created")
        await h.finish()
    }

    @Test("A container removed behind the agent's back is reported STOPPED")
    func removedBehindBack() async throws {
        let h = EngineHarness()
        let arn = "arn:aws:ecs:us-west-2:1:task/test/gone"
        try await h.manager.accept(try EngineHarness.task(arn, containers: #"[{"name":"a","image":"img"}]"#))
        try await eventually(timeout: .seconds(30), "RUNNING") { h.taskStatus(arn) == "RUNNING" }
        h.runtime.removeBehindBack("a")
        try await eventually(timeout: .seconds(30), "STOPPED") { h.taskStatus(arn) == "STOPPED" }
        await h.finish()
    }

    @Test("Two tasks that want the same host port: the second waits and is created as soon as the first stops")
    func portAdmission() async throws {
        let h = EngineHarness()
        let containers = #"[{"name":"web","image":"img","portMappings":[{"containerPort":80,"hostPort":8080}]}]"#
        let first = "arn:aws:ecs:us-west-2:1:task/test/p1", second = "arn:aws:ecs:us-west-2:1:task/test/p2"
        try await h.manager.accept(try EngineHarness.task(first, containers: containers))
        try await eventually(timeout: .seconds(30), "first RUNNING") { h.taskStatus(first) == "RUNNING" }
        try await h.manager.accept(try EngineHarness.task(second, containers: containers))
        try await eventually(timeout: .seconds(30), "the second queued") { await h.admission.queued == [second] }
        #expect(h.runtime.callCount("create ") == 1, "the second task waits for port 8080: \(h.runtime.calls) \(h.statuses(first)) \(h.statuses(second))")
        await h.manager.stop(taskArns: [first])
        try await eventually(timeout: .seconds(30), "first STOPPED") { h.taskStatus(first) == "STOPPED" }
        let stoppedAt = ContinuousClock.now
        try await eventually(timeout: .seconds(30), "second created") { h.runtime.callCount("create ") == 2 }
        // Event-driven: well under a second on an idle machine; the bound leaves room for a
        // loaded test run (the reference agent's missed wake-up took 15–20 minutes).
        #expect(ContinuousClock.now - stoppedAt < .seconds(5))
        try await eventually(timeout: .seconds(30), "second RUNNING") { h.taskStatus(second) == "RUNNING" }
        await h.finish()
    }

    @Test("A stop while the task waits for resources withdraws it: reported STOPPED, nothing created")
    func stopWhileQueued() async throws {
        let h = EngineHarness(capacity: ResourceDemand(cpu: 1024, memoryMiB: 100))
        let big = #"[{"name":"a","image":"img","memory":80}]"#
        let first = "arn:aws:ecs:us-west-2:1:task/test/q1", second = "arn:aws:ecs:us-west-2:1:task/test/q2"
        try await h.manager.accept(try EngineHarness.task(first, containers: big))
        try await eventually(timeout: .seconds(30), "first RUNNING") { h.taskStatus(first) == "RUNNING" }
        try await h.manager.accept(try EngineHarness.task(second, containers: big))
        try await eventually(timeout: .seconds(30), "queued") { await h.admission.queued == [second] }
        await h.manager.stop(taskArns: [second])
        try await eventually(timeout: .seconds(30), "second STOPPED") { h.taskStatus(second) == "STOPPED" }
        try await eventually(timeout: .seconds(30), "withdrawn from the queue") { await h.admission.queued.isEmpty }
        #expect(h.runtime.callCount("create ") == 1)
        await h.finish()
    }

    @Test("After a restart running containers are re-adopted, vanished ones are STOPPED, and nothing is created twice")
    func restart() async throws {
        let runtime = FakeContainerRuntime(), store = MemoryEngineStore()
        let h = EngineHarness(runtime: runtime, store: store)
        let arn = "arn:aws:ecs:us-west-2:1:task/test/r"
        try await h.manager.accept(try EngineHarness.task(arn, containers: #"[{"name":"a","image":"img"},{"name":"b","image":"img","essential":false}]"#))
        try await eventually(timeout: .seconds(30), "RUNNING") { h.taskStatus(arn) == "RUNNING" }
        await h.finish()
        runtime.removeBehindBack("b")  // while no agent is watching

        let again = EngineHarness(runtime: runtime, store: store)
        try await eventually(timeout: .seconds(30), "b STOPPED after the restart") { again.container(arn, "b")?.status == "STOPPED" }
        let b = try #require(again.container(arn, "b"))
        #expect(b.reason?.contains("ContainerVanishedError") == true)
        #expect(runtime.callCount("create ") == 2, "a was adopted, not created again")
        #expect(await again.manager.knows(taskArn: arn))
        #expect(again.taskStatus(arn) == "RUNNING", "a non-essential container vanishing leaves the task running")
        await again.finish()
    }

    @Test("A container created just before a crash (its id never saved) is found by name and adopted")
    func adoptByName() async throws {
        let runtime = FakeContainerRuntime(), store = MemoryEngineStore()
        let task = try EngineHarness.task("arn:aws:ecs:us-west-2:1:task/test/n", containers: #"[{"name":"a","image":"img"}]"#)
        var record = TaskRecord(task: task, containers: [ContainerRecord(name: "a", dockerName: "ecs-fam-3-a-0123", essential: true)],
                                volumeSuffix: "00", now: Date().timeIntervalSince1970)
        record.admitted = true
        record.containers[0].known = .pulled
        try await store.save(record, changes: [])
        _ = try await runtime.createContainer(name: "ecs-fam-3-a-0123", body: ["Image": "img", "Labels": ["com.amazonaws.ecs.container-name": "a", "com.amazonaws.ecs.task-arn": "arn:aws:ecs:us-west-2:1:task/test/n"]])
        let h = EngineHarness(runtime: runtime, store: store)
        try await eventually(timeout: .seconds(30), "RUNNING") { h.taskStatus(record.arn) == "RUNNING" }
        #expect(runtime.snapshot().count == 1, "no second container")
        await h.finish()
    }

    @Test("Cleanup waits until the STOPPED change has been accepted by the control plane")
    func cleanupAfterAck() async throws {
        let store = MemoryEngineStore()
        store.deliverImmediately = false
        let h = EngineHarness(store: store)
        let arn = "arn:aws:ecs:us-west-2:1:task/test/ack"
        try await h.manager.accept(try EngineHarness.task(arn, containers: #"[{"name":"a","image":"img"}]"#))
        try await eventually(timeout: .seconds(30), "RUNNING") { h.taskStatus(arn) == "RUNNING" }
        await h.manager.stop(taskArns: [arn])
        try await eventually(timeout: .seconds(30), "STOPPED") { h.taskStatus(arn) == "STOPPED" }
        try await Task.sleep(for: .milliseconds(300))
        #expect(h.runtime.snapshot().count == 1, "not removed before the control plane has the STOPPED change")
        store.deliverAll()
        try await eventually(timeout: .seconds(30), "removed") { h.runtime.snapshot().isEmpty }
        await h.finish()
    }

    @Test("Pull behaviour: always stops the task on a failed pull; default carries on with the cached image")
    func pullBehaviour() async throws {
        let runtime = FakeContainerRuntime()
        runtime.pullSucceeds = false
        let always = EngineHarness(runtime: runtime, behavior: .always)
        let arn = "arn:aws:ecs:us-west-2:1:task/test/pull"
        try await always.manager.accept(try EngineHarness.task(arn, containers: #"[{"name":"a","image":"img"}]"#))
        try await eventually(timeout: .seconds(30), "STOPPED") { always.taskStatus(arn) == "STOPPED" }
        #expect(always.container(arn, "a")?.reason?.hasPrefix("CannotPullContainerError") == true)
        #expect(runtime.callCount("create ") == 0)
        await always.finish()

        let lenient = EngineHarness(runtime: runtime, behavior: .default)
        let arn2 = "arn:aws:ecs:us-west-2:1:task/test/pull2"
        try await lenient.manager.accept(try EngineHarness.task(arn2, containers: #"[{"name":"a","image":"img"}]"#))
        try await eventually(timeout: .seconds(30), "RUNNING") { lenient.taskStatus(arn2) == "RUNNING" }
        await lenient.finish()
    }

    @Test("prefer-cached inspects an image once; an image removed behind the agent's back is pulled again at create and the task still runs")
    func preferCachedTrustsKnownImages() async throws {
        let runtime = FakeContainerRuntime()
        runtime.images = ["img"]
        runtime.createNeedsImage = true
        let h = EngineHarness(runtime: runtime, behavior: .preferCached)
        for n in 1...2 {
            let arn = "arn:aws:ecs:us-west-2:1:task/test/cached\(n)"
            try await h.manager.accept(try EngineHarness.task(arn, containers: #"[{"name":"a","image":"img"}]"#))
            try await eventually(timeout: .seconds(30), "RUNNING \(n)") { h.taskStatus(arn) == "RUNNING" }
        }
        #expect(runtime.callCount("inspect image img") == 1, "the second launch trusts what the first saw")
        #expect(runtime.callCount("pull ") == 0)
        runtime.images = []
        let arn = "arn:aws:ecs:us-west-2:1:task/test/cached3"
        try await h.manager.accept(try EngineHarness.task(arn, containers: #"[{"name":"a","image":"img"}]"#))
        try await eventually(timeout: .seconds(30), "RUNNING after the image came back") { h.taskStatus(arn) == "RUNNING" }
        #expect(runtime.callCount("pull img") == 1)
        await h.finish()
    }

    @Test("Under default a failed pull of an absent image fails the create with Docker's words, and is not pulled twice")
    func defaultAbsentImage() async throws {
        let runtime = FakeContainerRuntime()
        runtime.pullSucceeds = false
        runtime.createNeedsImage = true
        let h = EngineHarness(runtime: runtime, behavior: .default)
        let arn = "arn:aws:ecs:us-west-2:1:task/test/absent"
        try await h.manager.accept(try EngineHarness.task(arn, containers: #"[{"name":"a","image":"img"}]"#))
        try await eventually(timeout: .seconds(30), "STOPPED") { h.taskStatus(arn) == "STOPPED" }
        #expect(h.container(arn, "a")?.reason == "CannotCreateContainerError: No such image: img")
        #expect(runtime.callCount("pull img") == 1)
        await h.finish()
    }

    @Test("A task with a dependency cycle is reported STOPPED with TaskDependencyError and nothing is created")
    func cycle() async throws {
        let h = EngineHarness()
        let arn = "arn:aws:ecs:us-west-2:1:task/test/cyc"
        try await h.manager.accept(try EngineHarness.task(arn, containers: """
            [{"name":"a","image":"img","dependsOn":[{"containerName":"b","condition":"START"}]},
             {"name":"b","image":"img","dependsOn":[{"containerName":"a","condition":"START"}]}]
            """))
        try await eventually(timeout: .seconds(30), "STOPPED") { h.taskStatus(arn) == "STOPPED" }
        #expect(h.store.reported(arn).last?.reason?.contains("TaskDependencyError") == true)
        #expect(h.runtime.callCount("create ") == 0)
        await h.finish()
    }

    @Test("Orphans: a container with this instance's label that no task owns is removed after the grace period")
    func orphans() async throws {
        let runtime = FakeContainerRuntime()
        _ = try await runtime.createContainer(name: "ecs-old-1-x-99", body: ["Image": "img", "Labels": [EngineSettings.instanceLabelKey: "instance-1"]])
        _ = try await runtime.createContainer(name: "other-agent", body: ["Image": "img", "Labels": [EngineSettings.instanceLabelKey: "instance-2"]])
        let h = EngineHarness(runtime: runtime, orphanGrace: .milliseconds(100))
        try await eventually(timeout: .seconds(30), "orphan removed") { runtime.snapshot().map(\.name) == ["other-agent"] }
        await h.finish()
    }

    @Test("A containerPortRange gets a contiguous block of host ports, reported as one range binding; the ports are free again after the stop")
    func portRange() async throws {
        let h = EngineHarness()
        let arn = "arn:aws:ecs:us-west-2:1:task/test/range"
        let containers = #"[{"name":"a","image":"img","portMappings":[{"containerPortRange":"9000-9003","protocol":"udp"},{"containerPort":80}]}]"#
        try await h.manager.accept(try EngineHarness.task(arn, containers: containers))
        try await eventually(timeout: .seconds(30), "RUNNING") { h.taskStatus(arn) == "RUNNING" }
        let bindings = try #require(h.container(arn, "a")?.networkBindings)
        let range = try #require(bindings.first { $0.containerPortRange == "9000-9003" })
        #expect(range.protocol_ == "udp")
        let hosts = try #require(range.hostPortRange).split(separator: "-").compactMap { Int($0) }
        #expect(hosts.count == 2 && hosts[1] - hosts[0] == 3, "four contiguous host ports")
        #expect(bindings.contains { $0.containerPort == 80 && $0.hostPort != nil })
        await h.finish()
    }

    @Test("RUNNING is reported with the port bindings even when Docker's start event arrives before the start call returns")
    func startEventBeforeStartReturns() async throws {
        let runtime = FakeContainerRuntime()
        runtime.startReturnDelay = .milliseconds(100)
        let h = EngineHarness(runtime: runtime)
        let arn = "arn:aws:ecs:us-west-2:1:task/test/early"
        try await h.manager.accept(try EngineHarness.task(arn, containers: #"[{"name":"web","image":"img","portMappings":[{"containerPort":8080}]}]"#))
        try await eventually(timeout: .seconds(30), "RUNNING") { h.taskStatus(arn) == "RUNNING" }
        #expect(h.store.reported(arn).first?.containers?.first?.networkBindings?.first?.containerPort == 8080)
        await h.finish()
    }

    @Test("An inspect that fails (dockerd still away) is not taken for a vanished container; the answer, once it comes, is")
    func inspectErrorIsNotVanished() async throws {
        let runtime = FakeContainerRuntime(), store = MemoryEngineStore()
        let h = EngineHarness(runtime: runtime, store: store)
        let arn = "arn:aws:ecs:us-west-2:1:task/test/away"
        try await h.manager.accept(try EngineHarness.task(arn, containers: #"[{"name":"a","image":"img"}]"#))
        try await eventually(timeout: .seconds(30), "RUNNING") { h.taskStatus(arn) == "RUNNING" }
        await h.finish()
        runtime.inspectFails = true
        let again = EngineHarness(runtime: runtime, store: store)
        try await Task.sleep(for: .milliseconds(300))
        #expect(again.taskStatus(arn) == "RUNNING")
        runtime.inspectFails = false
        runtime.removeBehindBack("a")
        try await eventually(timeout: .seconds(5), "STOPPED once Docker answers") { again.taskStatus(arn) == "STOPPED" }
        await again.finish()
    }

    @Test("A container whose exit event was lost is found STOPPED by the steady-state re-inspection")
    func lostEvent() async throws {
        let h = EngineHarness(steadyStatePoll: .milliseconds(200))
        let arn = "arn:aws:ecs:us-west-2:1:task/test/lost"
        try await h.manager.accept(try EngineHarness.task(arn, containers: #"[{"name":"a","image":"img"}]"#))
        try await eventually(timeout: .seconds(30), "RUNNING") { h.taskStatus(arn) == "RUNNING" }
        h.runtime.exitSilently("a", code: 7)
        try await eventually(timeout: .seconds(5), "STOPPED") { h.taskStatus(arn) == "STOPPED" }
        #expect(h.container(arn, "a")?.exitCode == 7)
        await h.finish()
    }

    @Test("Restart policy: an exit is answered with a start while the exit code is not ignored and the attempt period has passed")
    func restartPolicy() async throws {
        let h = EngineHarness()
        let arn = "arn:aws:ecs:us-west-2:1:task/test/restart"
        try await h.manager.accept(try EngineHarness.task(arn, containers: """
            [{"name":"a","image":"img","restartPolicy":{"enabled":true,"ignoredExitCodes":[0],"restartAttemptPeriod":0}}]
            """))
        try await eventually(timeout: .seconds(30), "RUNNING") { h.taskStatus(arn) == "RUNNING" }
        h.runtime.exit("a", code: 1)
        try await eventually(timeout: .seconds(30), "started again") { h.runtime.callCount("start ") == 2 && h.runtime.container(named: "a")?.state == .running }
        #expect(h.taskStatus(arn) == "RUNNING", "a restarted container does not stop the task")
        try await eventually(timeout: .seconds(30), "restart counted") { h.store.record(arn)?.containers.first?.restartCount == 1 }
        h.runtime.exit("a", code: 0)
        try await eventually(timeout: .seconds(30), "an ignored exit code stops it") { h.taskStatus(arn) == "STOPPED" }
        #expect(h.runtime.callCount("start ") == 2)
        await h.finish()
    }

    @Test("Restart policy: within the attempt period an exit is not restarted")
    func restartPolicyPeriod() async throws {
        let h = EngineHarness()
        let arn = "arn:aws:ecs:us-west-2:1:task/test/restart2"
        try await h.manager.accept(try EngineHarness.task(arn, containers: """
            [{"name":"a","image":"img","restartPolicy":{"enabled":true,"restartAttemptPeriod":300}}]
            """))
        try await eventually(timeout: .seconds(30), "RUNNING") { h.taskStatus(arn) == "RUNNING" }
        h.runtime.exit("a", code: 1)
        try await eventually(timeout: .seconds(30), "STOPPED") { h.taskStatus(arn) == "STOPPED" }
        #expect(h.runtime.callCount("start ") == 1)
        await h.finish()
    }
}

/// Task cgroups that record what they were asked, or fail.
final class RecordingCgroups: TaskCgroups, @unchecked Sendable {
    var fails = false
    var made: [String: TaskCgroupLimits] = [:]
    var removed: [String] = []
    func create(taskID: String, limits: TaskCgroupLimits) throws -> String {
        if fails { throw FixtureError("cgroup refused") }
        made[taskID] = limits
        return "/ecs/" + taskID
    }
    func remove(taskID: String) { removed.append(taskID) }
}

extension TaskManagerTests {
    @Test("A container started again behind the agent's back after it stopped is stopped once more, and only once")
    func restop() async throws {
        let h = EngineHarness()
        let arn = "arn:aws:ecs:us-west-2:1:task/test/restop"
        try await h.manager.accept(try EngineHarness.task(arn, containers: #"[{"name":"a","image":"img"},{"name":"side","image":"img","essential":false}]"#))
        try await eventually(timeout: .seconds(30), "RUNNING") { h.taskStatus(arn) == "RUNNING" }
        h.runtime.exit("side", code: 0)
        try await eventually(timeout: .seconds(30), "side STOPPED") { h.container(arn, "side")?.status == "STOPPED" }
        h.runtime.startBehindBack("side")
        try await eventually(timeout: .seconds(30), "stopped once more") { h.runtime.callCount("stop ") == 1 }
        h.runtime.startBehindBack("side")
        try await Task.sleep(for: .milliseconds(200))
        #expect(h.runtime.callCount("stop ") == 1, "only once per container")
        #expect(h.taskStatus(arn) == "RUNNING")
        await h.finish()
    }
}

@Suite("Task cgroup limits")
struct TaskCgroupLimitTests {
    @Test("The task cgroup is made before the first create, named in every container's CgroupParent, and removed at cleanup")
    func lifecycle() async throws {
        let cgroups = RecordingCgroups()
        let h = EngineHarness(cgroups: cgroups)
        let arn = "arn:aws:ecs:us-west-2:1:task/test/cg1"
        try await h.manager.accept(try EngineHarness.task(arn, containers: #"[{"name":"a","image":"img"},{"name":"b","image":"img"}]"#).with { $0.cpu = 0.5 })
        try await eventually(timeout: .seconds(30), "RUNNING") { h.taskStatus(arn) == "RUNNING" }
        #expect(cgroups.made["cg1"]?.cpuQuotaMicros == 50_000)
        #expect(h.runtime.snapshot().allSatisfy { $0.body["HostConfig"]?["CgroupParent"]?.stringValue == "/ecs/cg1" })
        await h.manager.stop(taskArns: [arn])
        try await eventually(timeout: .seconds(30), "cleaned up") { cgroups.removed == ["cg1"] }
        await h.finish()
    }

    @Test("Before its create a launch is on disk only as accepted: finished pulls and the task cgroup are redone after a crash, not saved")
    func noSaveBeforeCreate() async throws {
        let cgroups = RecordingCgroups()
        let h = EngineHarness(cgroups: cgroups)
        let arn = "arn:aws:ecs:us-west-2:1:task/test/cg3"
        try await h.manager.accept(try EngineHarness.task(arn, containers: #"[{"name":"a","image":"img"}]"#))
        try await eventually(timeout: .seconds(30), "RUNNING") { h.taskStatus(arn) == "RUNNING" }
        #expect(cgroups.made["cg3"] != nil)
        // accept, CREATED, RUNNING: whichever of Docker's event and the API's answer comes second
        // changes nothing and is not saved again.
        #expect(h.store.saves == 3)
        await h.finish()
    }

    @Test("A task cgroup that cannot be made stops the task with a reason, without a create")
    func failure() async throws {
        let cgroups = RecordingCgroups()
        cgroups.fails = true
        let h = EngineHarness(cgroups: cgroups)
        let arn = "arn:aws:ecs:us-west-2:1:task/test/cg2"
        try await h.manager.accept(try EngineHarness.task(arn, containers: #"[{"name":"a","image":"img"}]"#))
        try await eventually(timeout: .seconds(30), "STOPPED") { h.taskStatus(arn) == "STOPPED" }
        #expect(h.store.reported(arn).last?.reason?.contains("ResourceInitializationError") == true)
        #expect(h.runtime.callCount("create ") == 0)
        await h.finish()
    }

    @Test("Task cpu gives a CFS quota of vCPU × period; without it, shares are the containers' sum with the 2-share floor; task memory in bytes")
    func limits() throws {
        let withCPU = try TaskCgroupLimits(task: try EngineHarness.task(containers: #"[{"name":"a","image":"i","memory":32}]"#).with { $0.cpu = 0.25; $0.memory = 64 })
        #expect(withCPU.cpuQuotaMicros == 25_000 && withCPU.cpuPeriodMicros == 100_000 && withCPU.cpuShares == nil)
        #expect(withCPU.memoryBytes == 64 << 20)
        let shares = try TaskCgroupLimits(task: try EngineHarness.task(containers: #"[{"name":"a","image":"i","cpu":512},{"name":"b","image":"i"}]"#),
                                          cpuPeriod: .milliseconds(50), pidsLimit: 100)
        #expect(shares.cpuShares == 514 && shares.cpuQuotaMicros == nil && shares.cpuPeriodMicros == 50_000 && shares.pids == 100)
        #expect(throws: CreateRequestError.self) {
            try TaskCgroupLimits(task: try EngineHarness.task(containers: #"[{"name":"a","image":"i","memory":128}]"#).with { $0.memory = 64 })
        }
        #expect(TaskCgroupLimits.taskID("arn:aws:ecs:us-west-2:1:task/c/abc123") == "abc123")
    }
}

extension ACSTask {
    func with(_ change: (inout ACSTask) -> Void) -> ACSTask {
        var copy = self
        change(&copy)
        return copy
    }
}

@Suite("Image cleanup")
struct ImageCleanerTests {
    @Test("Unused images older than the minimum age go, least recently used first, a few per cycle; used, young and excluded ones stay")
    func cycles() async {
        let runtime = FakeContainerRuntime()
        var settings = ImageCleaner.Settings()
        settings.perCycle = 1
        settings.minimumAge = .seconds(3600)
        settings.excluded = ["keep"]
        var logger = Logger(label: "test.images")
        logger.logLevel = .critical
        let cleaner = ImageCleaner(runtime: runtime, settings: settings, logger: logger)
        for image in ["a", "b", "inuse", "keep"] { await cleaner.used(image, now: 0) }
        await cleaner.used("young", now: 3000)
        await cleaner.released("a", now: 10)
        await cleaner.released("b", now: 5)
        #expect(await cleaner.cycle(inUse: ["inuse"], now: 4000) == ["b"])
        #expect(await cleaner.cycle(inUse: ["inuse"], now: 4000) == ["a"])
        #expect(await cleaner.cycle(inUse: ["inuse"], now: 4000) == [])
        #expect(await cleaner.tracked == ["inuse", "keep", "young"])
        #expect(await cleaner.cycle(inUse: [], now: 7000) == ["inuse"], "least recently used first: inuse (0) before young (3000)")
        #expect(runtime.calls.filter { $0.hasPrefix("image remove") } == ["image remove b", "image remove a", "image remove inuse"])
    }
}
