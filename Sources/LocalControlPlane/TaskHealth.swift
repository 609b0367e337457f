public import ECSModel

/// Container health as agents report it over TCS (PublishHealthRequest), kept on the tasks:
/// DescribeTasks shows it and the service scheduler counts a task with a health check as
/// healthy only once it says HEALTHY.
extension ControlPlane {
    public func recordHealth(_ message: JSONValue) async {
        await exclusively {
            pendingChange = Store.Change()
            for report in message["tasks"]?.arrayValue ?? [] {
                guard let arn = report["taskArn"]?.stringValue, var r = tasks[arn], r.task.lastStatus != "STOPPED" else { continue }
                for c in report["containers"]?.arrayValue ?? [] {
                    guard let name = c["containerName"]?.stringValue, let status = c["healthStatus"]?.stringValue,
                          let i = r.task.containers?.firstIndex(where: { $0.name == name }) else { continue }
                    r.task.containers![i].healthStatus = status
                }
                let definition = taskDefinitions[r.task.taskDefinitionArn ?? ""]
                r.task.healthStatus = Self.taskHealth(r.task.containers ?? [], definition: definition)
                tasks[arn] = r
                save(task: arn)
            }
            do {
                try await store.apply(pendingChange)
            } catch {
                logger.error("health could not be saved", metadata: ["error": "\(error)"])
            }
            pendingChange = Store.Change()
        }
    }

    /// ECS's rule: UNHEALTHY when an essential container with a health check is; HEALTHY when
    /// every container with a health check is; else UNKNOWN.
    static func taskHealth(_ containers: [Container], definition: TaskDefinition?) -> String {
        let checked = (definition?.containerDefinitions ?? []).filter { $0.healthCheck != nil }
        guard !checked.isEmpty else { return "UNKNOWN" }
        let status = { (name: String?) in containers.first { $0.name == name }?.healthStatus ?? "UNKNOWN" }
        if checked.contains(where: { ($0.essential ?? true) && status($0.name) == "UNHEALTHY" }) { return "UNHEALTHY" }
        return checked.allSatisfy { status($0.name) == "HEALTHY" } ? "HEALTHY" : "UNKNOWN"
    }
}
