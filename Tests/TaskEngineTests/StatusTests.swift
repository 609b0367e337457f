import ECSModel
import Foundation
import TaskEngine
import Testing

@Suite("Statuses")
struct StatusTests {
    @Test("A normal container steps NONE → MANIFEST_PULLED → PULLED → CREATED → RUNNING → STOPPED; a pause container stops after RESOURCES_PROVISIONED")
    func progression() {
        var s = ContainerStatus.none
        var seen: [ContainerStatus] = [s]
        while s != .stopped { s = s.next(steady: .running); seen.append(s) }
        #expect(seen == [.none, .manifestPulled, .pulled, .created, .running, .stopped])
        #expect(ContainerStatus.running.next(steady: .resourcesProvisioned) == .resourcesProvisioned)
        #expect(ContainerStatus.resourcesProvisioned.next(steady: .resourcesProvisioned) == .stopped)
        #expect(ContainerStatus.stopped.next(steady: .running) == .stopped)
    }

    @Test("Wire names round-trip and the legacy names are read", arguments: ContainerStatus.allCases)
    func wire(status: ContainerStatus) {
        #expect(ContainerStatus(wire: status.wire) == status)
        #expect(ContainerStatus(wire: "UNKNOWN") == ContainerStatus.none)
        #expect(ContainerStatus(wire: "DEAD") == .stopped)
        #expect(ContainerStatus(wire: "running") == nil)
    }

    @Test("Task PULLED prints as NONE; only RUNNING, STOPPED and a resolved-digest PENDING are reported")
    func taskReporting() {
        #expect(TaskStatus.pulled.wire == "NONE")
        #expect(TaskStatus.allCases.compactMap { $0.reported(digestResolved: false) } == ["RUNNING", "STOPPED"])
        #expect(TaskStatus.manifestPulled.reported(digestResolved: true) == "PENDING")
        #expect(ContainerStatus.created.reported(steady: .running, digestResolved: true) == nil)
        #expect(ContainerStatus.running.reported(steady: .running, digestResolved: false) == "RUNNING")
        #expect(ContainerStatus.running.reported(steady: .resourcesProvisioned, digestResolved: false) == nil)
    }

    @Test("A task's desired status maps to each container's, RUNNING to the container's steady state")
    func desiredMapping() {
        #expect(TaskStatus.running.containerDesired(steady: .running) == .running)
        #expect(TaskStatus.running.containerDesired(steady: .resourcesProvisioned) == .resourcesProvisioned)
        #expect(TaskStatus.stopped.containerDesired(steady: .running) == .stopped)
        #expect(TaskStatus.created.containerDesired(steady: .running) == .created)
        #expect(TaskStatus(desired: "DEAD") == .stopped && TaskStatus(desired: "PAUSED") == nil)
    }

    @Test("The task's known status is the lowest container contribution and never goes down")
    func knownStatus() {
        let a = ContainerState(name: "a", known: .running), b = ContainerState(name: "b", known: .created)
        #expect(TaskStatusRules.known(current: .none, containers: [a, b]) == .created)
        var b2 = b
        b2.known = .running
        #expect(TaskStatusRules.known(current: .created, containers: [a, b2]) == .running)
        #expect(TaskStatusRules.known(current: .running, containers: [a, b]) == .running, "never down")
        let pulling = ContainerState(name: "c", known: .pulled)
        #expect(TaskStatusRules.known(current: .none, containers: [a, pulling]) == .manifestPulled)
        let stopped = [ContainerState(name: "a", known: .stopped), ContainerState(name: "b", known: .stopped)]
        #expect(TaskStatusRules.known(current: .running, containers: stopped) == .stopped)
    }

    @Test("No flash of RUNNING: while an essential container has stopped, a task not yet RUNNING stays where it is")
    func noRunningFlash() {
        let containers = [ContainerState(name: "web", known: .running), ContainerState(name: "init", essential: true, known: .stopped, exitCode: 1)]
        #expect(TaskStatusRules.known(current: .created, containers: containers) == .created)
        #expect(TaskStatusRules.essentialStopped(containers))
        let sidecarExited = [ContainerState(name: "web", known: .running), ContainerState(name: "log", essential: false, known: .stopped, exitCode: 0)]
        #expect(!TaskStatusRules.essentialStopped(sidecarExited), "a non-essential exit does not stop the task")
        #expect(TaskStatusRules.raise(.running, to: .stopped) == .stopped)
        #expect(TaskStatusRules.raise(.stopped, to: .running) == nil)
        #expect(TaskStatusRules.raise(.running, to: .running) == nil)
    }
}
