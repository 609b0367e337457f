import ControlPlaneClient
import DockerEngine
import ECSModel
import Logging
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Telemetry: no task metrics yet (TCS sends the instance as idle) and the instance status
/// from a Docker ping.
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
