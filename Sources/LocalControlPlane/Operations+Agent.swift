import AWSSupport
import ECSModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The calls only agents make.
extension ControlPlane {
    func discoverPollEndpoint(_ input: Input) throws -> JSONValue {
        if let given = try input.string("containerInstance") {
            // The agent sends the configured cluster string; accept the instance wherever it is.
            guard instances[given] != nil || instances.values.contains(where: { $0.arn.hasSuffix("/" + given) }) else {
                throw AWSError.invalidParameter("Container instance \(given) is not registered.")
            }
        }
        let base = options.publicURL.hasSuffix("/") ? String(options.publicURL.dropLast()) : options.publicURL
        return .object([
            "endpoint": .string(base + "/acs/"),
            "telemetryEndpoint": .string(base + "/tcs/"),
            "serviceConnectEndpoint": .string(base + "/sc/"),
        ])
    }

    static let statusOrder = ["PROVISIONING": 0, "PENDING": 1, "ACTIVATING": 2, "RUNNING": 3, "DEACTIVATING": 4, "STOPPING": 5, "DEPROVISIONING": 6, "STOPPED": 7]

    /// Moves a status forward only: a late RUNNING never undoes a STOPPED.
    static func advance(_ current: String?, to next: String) -> String {
        (statusOrder[next] ?? 0) >= (statusOrder[current ?? "PENDING"] ?? 0) ? next : (current ?? next)
    }

    func submitTaskStateChange(_ input: Input) throws -> JSONValue {
        let cluster = try clusterArn(input)
        let arn = try taskArn(try input.required("task"), cluster: cluster)
        var r = tasks[arn]!
        let changes = try input.decode("containers", as: [ContainerStateChange].self) ?? []
        for change in changes {
            guard let i = r.task.containers?.firstIndex(where: { $0.name == change.containerName }) else {
                throw AWSError.invalidParameter("containers[].containerName \(change.containerName ?? "") is not a container of task \(arn).")
            }
            apply(change, to: &r.task.containers![i])
        }
        if let status = try input.string("status") {
            guard ["PENDING", "RUNNING", "STOPPED"].contains(status) else {
                throw AWSError.invalidParameter("status must be PENDING, RUNNING or STOPPED.")
            }
            let before = r.task.lastStatus
            r.task.lastStatus = Self.advance(before, to: status)
            if r.task.lastStatus == "RUNNING" && before != "RUNNING" { r.task.startedAt = now() }
            if r.task.lastStatus == "STOPPED" && before != "STOPPED" {
                r.task.stoppedAt = now()
                r.task.desiredStatus = "STOPPED"
                r.acsTask.desiredStatus = "STOPPED"
                r.holdsResources = false
                if r.task.stoppedReason == nil {
                    r.task.stoppedReason = (try input.string("reason")).flatMap { $0.isEmpty ? nil : $0 } ?? "Essential container in task exited"
                    r.task.stopCode = "EssentialContainerExited"
                }
            }
        }
        r.task.pullStartedAt = try input.double("pullStartedAt") ?? r.task.pullStartedAt
        r.task.pullStoppedAt = try input.double("pullStoppedAt") ?? r.task.pullStoppedAt
        r.task.executionStoppedAt = try input.double("executionStoppedAt") ?? r.task.executionStoppedAt
        r.task.version = (r.task.version ?? 1) + 1
        tasks[arn] = r
        save(task: arn)
        return .object(["acknowledgment": .string("ok")])
    }

    func submitContainerStateChange(_ input: Input) throws -> JSONValue {
        let cluster = try clusterArn(input)
        let arn = try taskArn(try input.required("task"), cluster: cluster)
        let name = try input.required("containerName")
        guard let i = tasks[arn]!.task.containers?.firstIndex(where: { $0.name == name }) else {
            throw AWSError.invalidParameter("containerName \(name) is not a container of task \(arn).")
        }
        var change = ContainerStateChange()
        change.containerName = name
        change.runtimeId = try input.string("runtimeId")
        change.status = try input.string("status")
        change.exitCode = try input.int("exitCode")
        change.reason = try input.string("reason")
        change.networkBindings = try input.decode("networkBindings", as: [NetworkBinding].self)
        apply(change, to: &tasks[arn]!.task.containers![i])
        save(task: arn)
        return .object(["acknowledgment": .string("ok")])
    }

    private func apply(_ change: ContainerStateChange, to container: inout Container) {
        if let runtimeId = change.runtimeId { container.runtimeId = runtimeId }
        if let status = change.status { container.lastStatus = Self.advance(container.lastStatus, to: status) }
        if let code = change.exitCode { container.exitCode = code }
        if let reason = change.reason, !reason.isEmpty { container.reason = reason }
        if let digest = change.imageDigest { container.imageDigest = digest }
        if let bindings = change.networkBindings { container.networkBindings = bindings }
    }

    func updateTaskProtection(_ input: Input) throws -> JSONValue {
        let cluster = try clusterArn(input)
        guard let enabled = try input.bool("protectionEnabled") else { throw AWSError.invalidParameter("protectionEnabled is required.") }
        let minutes = try input.int("expiresInMinutes") ?? 120
        guard (1...2880).contains(minutes) else { throw AWSError.invalidParameter("expiresInMinutes must be between 1 and 2880.") }
        var protected: [JSONValue] = []
        var failures: [Failure] = []
        for given in try input.strings("tasks") {
            guard let arn = try? taskArn(given, cluster: cluster) else {
                failures.append(Failure(arn: given, reason: "TASK_NOT_VALID"))
                continue
            }
            tasks[arn]!.protectionExpiresAt = enabled ? now() + Double(minutes * 60) : nil
            save(task: arn)
            protected.append(protection(arn))
        }
        return .object(["protectedTasks": .array(protected), "failures": json(failures)])
    }

    func getTaskProtection(_ input: Input) throws -> JSONValue {
        let cluster = try clusterArn(input)
        var protected: [JSONValue] = []
        var failures: [Failure] = []
        for given in try input.strings("tasks") {
            if let arn = try? taskArn(given, cluster: cluster) { protected.append(protection(arn)) } else { failures.append(Failure(arn: given, reason: "TASK_NOT_VALID")) }
        }
        return .object(["protectedTasks": .array(protected), "failures": json(failures)])
    }

    private func protection(_ arn: String) -> JSONValue {
        let expiry = tasks[arn]?.protectionExpiresAt.flatMap { $0 > now() ? $0 : nil }
        var o: [String: JSONValue] = ["taskArn": .string(arn), "protectionEnabled": .bool(expiry != nil)]
        if let expiry { o["expirationDate"] = .double(expiry) }
        return .object(o)
    }
}

struct ContainerStateChange: Codable, Sendable {
    var containerName: String?
    var runtimeId: String?
    var status: String?
    var exitCode: Int?
    var reason: String?
    var imageDigest: String?
    var networkBindings: [NetworkBinding]?
}
