import ControlPlaneClient
import DockerEngine
import ECSModel
import Logging
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Stands where the task engine (issue 5) will: it keeps the tasks ACS sent and answers every
/// RUNNING task with STOPPED and a reason that says why, so an operator sees at once that this
/// build cannot run tasks instead of a task stuck in PENDING.
actor TaskEngineNotInstalled: TaskPayloadReceiver {
    static let reason = "TaskEngineUnavailable: this ecs-agent build registers and reports but does not run tasks yet"
    let reporter: StateChangeReporter
    let cluster: String
    let logger: Logger
    private var desired: [String: String] = [:]

    init(reporter: StateChangeReporter, cluster: String, logger: Logger) {
        self.reporter = reporter
        self.cluster = cluster
        self.logger = logger
    }

    func accept(_ task: ACSTask) async throws {
        guard let arn = task.arn, let status = task.desiredStatus else { return }
        let previous = desired[arn]
        desired[arn] = "STOPPED"
        guard previous == nil, status == "RUNNING" else { return }
        logger.error("task received but no task engine is installed; reporting it STOPPED", metadata: ["taskArn": "\(arn)"])
        let containers = (task.containers ?? []).map {
            ContainerStateChangeEntry(containerName: $0.name, status: "STOPPED", reason: Self.reason)
        }
        try await reporter.record(TaskStateChangeRequest(cluster: cluster, task: arn, status: "STOPPED", reason: Self.reason,
                                                         containers: containers, executionStoppedAt: Date().timeIntervalSince1970))
    }

    func desiredRunningTaskArns() async -> [String] { desired.filter { $0.value == "RUNNING" }.map(\.key).sorted() }
    func knows(taskArn: String) async -> Bool { desired[taskArn] != nil }
    func credentialsChanged(taskArn: String, roleType: TaskCredentialsStore.RoleType, credentialsId: String) async {}
    func stop(taskArns: [String]) async { for arn in taskArns where desired[arn] != nil { desired[arn] = "STOPPED" } }
}

/// Telemetry while there is no task engine: no task metrics (an idle instance) and the
/// instance status from a Docker ping.
struct HostTelemetry: TelemetrySource {
    let docker: DockerClient

    func taskMetrics() async -> [TaskMetric] { [] }
    func taskHealth() async -> [TaskHealth] { [] }
    func instanceStatuses() async -> [InstanceStatus] {
        let now = Date().timeIntervalSince1970
        var runtime = InstanceStatus(type: "ContainerRuntime", status: "OK", lastUpdated: now, lastStatusChange: now)
        do { try await docker.ping() } catch {
            runtime.status = "IMPAIRED"
            runtime.statusReason = "\(error)"
        }
        return [runtime, InstanceStatus(type: "Agent", status: "OK", lastUpdated: now, lastStatusChange: now)]
    }
}
