import ECSModel
import Logging
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where the control plane sends one instance's ACS frames: the open websocket. Frames are
/// handed over, never awaited, so a slow agent cannot hold the control plane's actor.
protocol ACSSessionSink: Sendable {
    var id: String { get }
    func send(_ frame: String)
    /// `policyViolation` carries a reason the agent acts on; `normalClosure` just reconnects it.
    func close(code: ACSCloseCode, reason: String)
}

enum ACSCloseCode: Sendable { case normalClosure, policyViolation }

extension ACSSessionSink {
    func close(reason: String) { close(code: .normalClosure, reason: reason) }
}

extension ControlPlane {
    /// Queues a PayloadMessage carrying the task's current ACS shape; it stays in the outbox
    /// (on disk) until the agent acknowledges it, and is sent again after a reconnect.
    func enqueuePayload(for taskArn: String) {
        guard let r = tasks[taskArn], let instance = instances[r.instanceArn] else { return }
        let seq = nextSequence()
        let message = ACSPayloadMessage(
            messageId: Identifiers.uuid(), clusterArn: instance.clusterArn, containerInstanceArn: r.instanceArn,
            seqNum: seq, generatedAt: Int64(Date().timeIntervalSince1970 * 1000), tasks: [r.acsTask])
        guard let frame = try? ACSEnvelope.encode(type: "PayloadMessage", message) else { return }
        let entry = OutboxEntry(messageId: message.messageId!, instanceArn: r.instanceArn, sequence: seq, type: "PayloadMessage", frame: frame)
        outbox[entry.messageId] = entry
        put(.outbox, entry.messageId, entry)
        unsent.append(entry.messageId)
    }

    /// Sends what this call queued to the instances that are connected. Called after the
    /// change is on disk, so an agent never hears of a task the store does not hold.
    func flushSessions() {
        let queued = unsent
        unsent = []
        for id in queued {
            guard let entry = outbox[id], let session = sessions[entry.instanceArn] else { continue }
            session.send(entry.frame)
        }
    }

    /// An agent connected: it becomes the instance's session, and every unacknowledged
    /// message for the instance is sent again, oldest first.
    func attach(_ session: any ACSSessionSink, instanceArn: String, sendCredentials: Bool = false) async throws {
        try await exclusively { try await attachExclusively(session, instanceArn: instanceArn, sendCredentials: sendCredentials) }
    }

    private func attachExclusively(_ session: any ACSSessionSink, instanceArn: String, sendCredentials: Bool) async throws {
        if inactiveInstances.contains(instanceArn) {
            throw ACSRefusal(type: "InactiveInstanceException", message: "Container instance \(instanceArn) is inactive (deregistered).")
        }
        guard instances[instanceArn] != nil else { throw ACSRefusal(type: "InvalidInstanceException", message: "Container instance \(instanceArn) is not registered.") }
        sessions[instanceArn]?.close(reason: "ConnectionExpired: a newer connection replaced this one")
        sessions[instanceArn] = session
        instances[instanceArn]!.connected = true
        logger.info("agent connected", metadata: ["containerInstance": "\(instanceArn)"])
        for entry in outbox.values.filter({ $0.instanceArn == instanceArn }).sorted(by: { $0.sequence < $1.sequence }) {
            session.send(entry.frame)
        }
        // sendCredentials=true (an agent's first connection): push the role credentials of
        // every task it should be running, fresh, one IAMRoleCredentialsMessage per role.
        if sendCredentials {
            pendingChange = Store.Change()
            for arn in tasks.values.filter({ $0.instanceArn == instanceArn && $0.task.desiredStatus == "RUNNING" }).map(\.arn).sorted() {
                for frame in try await refreshCredentials(taskArn: arn) { session.send(frame) }
            }
            try await store.apply(pendingChange)
            pendingChange = Store.Change()
        }
    }

    /// New credentials for a task's roles; returns the IAMRoleCredentialsMessage frames.
    func refreshCredentials(taskArn: String) async throws -> [String] {
        guard var record = tasks[taskArn] else { return [] }
        var frames: [String] = []
        for (roleType, keyPath) in [("TaskApplication", \ACSTask.roleCredentials), ("TaskExecution", \ACSTask.executionRoleCredentials)] {
            guard let current = record.acsTask[keyPath: keyPath], let roleArn = current.roleArn else { continue }
            let fresh = try await roleCredentials(roleArn: roleArn, sessionName: "ecs-refresh-\(taskArn.split(separator: "/").last ?? "")")
            record.acsTask[keyPath: keyPath] = fresh
            var message = ACSIAMRoleCredentialsMessage()
            message.messageId = Identifiers.uuid()
            message.clusterArn = record.clusterArn
            message.taskArn = taskArn
            message.taskClusterArn = record.clusterArn
            message.roleType = roleType
            message.roleCredentials = fresh
            if let frame = try? ACSEnvelope.encode(type: "IAMRoleCredentialsMessage", message) { frames.append(frame) }
        }
        tasks[taskArn] = record
        save(task: taskArn)
        return frames
    }

    func detach(_ sessionId: String, instanceArn: String) {
        guard sessions[instanceArn]?.id == sessionId else { return }
        sessions[instanceArn] = nil
        instances[instanceArn]?.connected = false
        logger.info("agent disconnected", metadata: ["containerInstance": "\(instanceArn)"])
    }

    /// A frame from an agent.
    func received(_ text: String, from instanceArn: String) async {
        guard let envelope = ACSEnvelope.decode(text) else {
            logger.warning("acs frame is not an envelope; dropped", metadata: ["containerInstance": "\(instanceArn)"])
            return
        }
        switch envelope.type {
        case "AckRequest":
            guard let ack = try? envelope.decodeMessage(ACSAckRequest.self), let id = ack.messageId, let entry = outbox[id],
                  entry.instanceArn == instanceArn else { return }
            outbox[id] = nil
            var change = Store.Change()
            change.deletes.append((.outbox, id))
            do {
                try await exclusively { try await store.apply(change) }
            } catch {
                logger.error("outbox delete failed", metadata: ["error": "\(error)"])
            }
        case "TaskStopVerificationMessage":
            if let message = try? envelope.decodeMessage(ACSTaskStopVerificationMessage.self) { verifyStops(message, from: instanceArn) }
        case "IAMRoleCredentialsAckRequest", "HeartbeatAckRequest":
            break
        default:
            logger.debug("acs message not handled", metadata: ["type": "\(envelope.type)"])
        }
    }

    /// Messages sent but not yet acknowledged for an instance (oldest first).
    public func unacknowledged(instanceArn: String) -> [String] {
        outbox.values.filter { $0.instanceArn == instanceArn }.sorted { $0.sequence < $1.sequence }.map(\.messageId)
    }

    /// Tells every agent the server is going away.
    public func closeAllSessions() {
        let frame = (try? ACSEnvelope.encode(type: "CloseMessage", ACSCloseMessage(message: "ecs-local is shutting down"))) ?? ""
        for session in sessions.values {
            session.send(frame)
            session.close(reason: "ServerShutdown")
        }
    }
}

/// A handshake refusal, answered with the body form agents decode: `{"<Type>": "<message>"}`.
struct ACSRefusal: Error {
    var type: String
    var message: String
}
