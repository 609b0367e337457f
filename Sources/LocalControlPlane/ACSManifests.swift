import ECSModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// TaskManifestMessage and stop verification (protocol.md §4.3.3): periodically each connected
/// agent is told which tasks it should be running; it answers with the tasks it runs that are
/// not on the list, and the control plane confirms those that really are to stop.
extension ControlPlane {
    /// Sends a manifest to the instance's session. Its `timeline` comes from the same counter
    /// as payload `seqNum`, so the agent applies it (it discards manifests not newer than the
    /// last sequence number it saw).
    @discardableResult
    public func sendManifest(to instanceArn: String) async throws -> String? {
        try await exclusively {
            guard let session = sessions[instanceArn], let instance = instances[instanceArn] else { return nil }
            pendingChange = Store.Change()
            var manifest = ACSTaskManifestMessage()
            manifest.clusterArn = instance.clusterArn
            manifest.containerInstanceArn = instanceArn
            manifest.messageId = Identifiers.uuid()
            manifest.generatedAt = Int64(Date().timeIntervalSince1970 * 1000)
            manifest.timeline = nextSequence()
            manifest.tasks = tasks.values
                .filter { $0.instanceArn == instanceArn && $0.task.lastStatus != "STOPPED" }
                .sorted { $0.arn < $1.arn }
                .map { ACSTaskIdentifier(taskArn: $0.arn, taskClusterArn: $0.clusterArn, desiredStatus: $0.task.desiredStatus) }
            try await store.apply(pendingChange)
            pendingChange = Store.Change()
            guard let frame = try? ACSEnvelope.encode(type: "TaskManifestMessage", manifest) else { return nil }
            session.send(frame)
            return manifest.messageId
        }
    }

    /// The agent's stop candidates: those the control plane does not want running (desired
    /// STOPPED, or unknown to it) are confirmed in a TaskStopVerificationAck.
    func verifyStops(_ message: ACSTaskStopVerificationMessage, from instanceArn: String) {
        let confirmed = (message.stopCandidates ?? []).filter { candidate in
            guard let arn = candidate.taskArn else { return false }
            guard let record = tasks[arn] else { return true }
            return record.task.desiredStatus == "STOPPED" || record.instanceArn != instanceArn
        }.map { ACSTaskIdentifier(taskArn: $0.taskArn, taskClusterArn: $0.taskClusterArn, desiredStatus: "STOPPED") }
        let ack = ACSTaskStopVerificationAck(messageId: message.messageId, generatedAt: Int64(Date().timeIntervalSince1970 * 1000), stopTasks: confirmed)
        if let frame = try? ACSEnvelope.encode(type: "TaskStopVerificationAck", ack) { sessions[instanceArn]?.send(frame) }
    }
}
