public import ECSModel
public import Logging
public import StateStore

/// What the agent does with each ACS message (protocol.md §4.3, acks per §4.8). One handler per
/// agent process: it outlives connections because the sequence counter and the pending stop
/// verification do. Replies go to `send`, which queues them on the current connection.
public actor ACSMessageHandler {
    let registration: Registration
    let store: AgentStateStore
    let receiver: any TaskPayloadReceiver
    let credentials: TaskCredentialsStore
    let reporter: StateChangeReporter
    let logger: Logger
    /// The manifest whose stop verification is outstanding (cleared once its ack is applied).
    private var pendingManifestId: String?

    public init(registration: Registration, store: AgentStateStore, receiver: any TaskPayloadReceiver, credentials: TaskCredentialsStore,
                reporter: StateChangeReporter, logger: Logger) {
        self.registration = registration
        self.store = store
        self.receiver = receiver
        self.credentials = credentials
        self.reporter = reporter
        self.logger = logger
    }

    /// Handles one frame; `send` writes a reply frame on the connection it came from.
    public func handle(_ envelope: ACSEnvelope, send: @Sendable (String) -> Void) async {
        do {
            switch envelope.type {
            case "PayloadMessage": try await payload(envelope.decodeMessage(ACSPayloadMessage.self), send: send)
            case "IAMRoleCredentialsMessage": try await refreshedCredentials(envelope.decodeMessage(ACSIAMRoleCredentialsMessage.self), send: send)
            case "TaskManifestMessage": try await manifest(envelope.decodeMessage(ACSTaskManifestMessage.self), send: send)
            case "TaskStopVerificationAck": try await stopVerification(envelope.decodeMessage(ACSTaskStopVerificationAck.self))
            case "HeartbeatMessage":
                let hb = try envelope.decodeMessage(ACSHeartbeatMessage.self)
                send(Self.frame("HeartbeatAckRequest", ACSHeartbeatAckRequest(messageId: hb.messageId)))
            case "StageUpdateMessage", "PerformUpdateMessage":
                // Self-update is the package manager's job on this agent (ECS_UPDATES_ENABLED has no effect).
                let m = envelope.message
                send(Self.frame("NackRequest", ACSNackRequest(cluster: m["clusterArn"]?.stringValue, containerInstance: m["containerInstanceArn"]?.stringValue,
                                                              messageId: m["messageId"]?.stringValue, reason: "Updates are disabled")))
            case "AttachTaskNetworkInterfacesMessage", "AttachInstanceNetworkInterfacesMessage", "ConfirmAttachmentMessage":
                // Not advertised (no task-eni / EBS capability), so ACS should not send them; no ack.
                logger.warning("ACS message for a capability this agent does not advertise; ignored",
                               metadata: ["type": "\(envelope.type)", "messageId": "\(envelope.message["messageId"]?.stringValue ?? "")"])
            case "CloseMessage", "ErrorMessage", "ServerException", "BadRequestException", "InvalidClusterException",
                 "InvalidInstanceException", "AccessDeniedException", "InactiveInstanceException":
                logger.notice("ACS says", metadata: ["type": "\(envelope.type)", "message": "\(envelope.message["message"]?.stringValue ?? envelope.message.jsonText)"])
            default:
                logger.warning("unknown ACS message type; dropped", metadata: ["type": "\(envelope.type)"])
            }
        } catch {
            logger.warning("ACS message not handled", metadata: ["type": "\(envelope.type)", "error": "\(error)"])
        }
    }

    // MARK: messages

    func payload(_ m: ACSPayloadMessage, send: @Sendable (String) -> Void) async throws {
        guard let messageId = m.messageId, !messageId.isEmpty, m.clusterArn?.isEmpty == false, m.containerInstanceArn?.isEmpty == false else {
            logger.warning("PayloadMessage without messageId, clusterArn or containerInstanceArn; dropped without ack")
            return
        }
        var everyTaskHandled = true
        var credentialAcks: [ACSIAMRoleCredentialsAckRequest] = []
        // Stops first, then the rest (protocol.md §4.3.1).
        let tasks = (m.tasks ?? []).filter { $0.desiredStatus == "STOPPED" } + (m.tasks ?? []).filter { $0.desiredStatus != "STOPPED" }
        for task in tasks {
            do {
                try PayloadValidation.check(task)
                let arn = task.arn!
                for (creds, role) in [(task.roleCredentials, TaskCredentialsStore.RoleType.taskApplication),
                                      (task.executionRoleCredentials, .taskExecution)] {
                    guard let creds, await credentials.put(creds, taskArn: arn, roleType: role) else { continue }
                    credentialAcks.append(ACSIAMRoleCredentialsAckRequest(messageId: messageId, expiration: creds.expiration, credentialsId: creds.credentialsId))
                }
                if task.desiredStatus == "RUNNING" {
                    try await store.saveTask(arn: arn, desiredStatus: "RUNNING", body: try JSONValue.encode(task.withoutCredentials).jsonText)
                }
                try await receiver.accept(task)
            } catch let invalid as InvalidTask {
                everyTaskHandled = false
                logger.error("invalid task in payload; reporting it STOPPED", metadata: ["taskArn": "\(task.arn ?? "none")", "reason": "\(invalid.reason)"])
                if let arn = task.arn, !arn.isEmpty {
                    try await reporter.record(TaskStateChangeRequest(cluster: registration.cluster, task: arn, status: "STOPPED",
                                                                     reason: "UnrecogniedTaskError: Error loading task - \(invalid.reason)"))
                }
            } catch {
                everyTaskHandled = false
                logger.error("payload task not saved; no ack, ACS will send it again", metadata: ["taskArn": "\(task.arn ?? "none")", "error": "\(error)"])
            }
        }
        if let seq = m.seqNum, seq > (try await store.sequenceNumber()) { try await store.setSequenceNumber(seq) }
        guard everyTaskHandled else { return }
        send(Self.frame("AckRequest", ACSAckRequest(cluster: m.clusterArn, containerInstance: m.containerInstanceArn, messageId: messageId)))
        for ack in credentialAcks { send(Self.frame("IAMRoleCredentialsAckRequest", ack)) }
    }

    func refreshedCredentials(_ m: ACSIAMRoleCredentialsMessage, send: @Sendable (String) -> Void) async throws {
        guard let messageId = m.messageId, !messageId.isEmpty, let taskArn = m.taskArn, !taskArn.isEmpty,
              let creds = m.roleCredentials, let id = creds.credentialsId, !id.isEmpty,
              let role = m.roleType.flatMap(TaskCredentialsStore.RoleType.init(rawValue:)) else {
            logger.warning("IAMRoleCredentialsMessage missing messageId, taskArn, credentialsId or a valid roleType; dropped")
            return
        }
        await credentials.put(creds, taskArn: taskArn, roleType: role)
        guard await receiver.knows(taskArn: taskArn) else {
            logger.warning("credentials for a task this agent does not know; stored, not acknowledged", metadata: ["taskArn": "\(taskArn)", "credentialsId": "\(id)"])
            return
        }
        await receiver.credentialsChanged(taskArn: taskArn, roleType: role, credentialsId: id)
        logger.info("task credentials refreshed", metadata: ["taskArn": "\(taskArn)", "credentialsId": "\(id)", "roleType": "\(role.rawValue)"])
        send(Self.frame("IAMRoleCredentialsAckRequest", ACSIAMRoleCredentialsAckRequest(messageId: messageId, expiration: creds.expiration, credentialsId: id)))
    }

    func manifest(_ m: ACSTaskManifestMessage, send: @Sendable (String) -> Void) async throws {
        guard let messageId = m.messageId, !messageId.isEmpty else { return }
        // A manifest without a timeline crashes the Go agent; here it is simply stale.
        let timeline = m.timeline ?? 0
        guard timeline > (try await store.sequenceNumber()) else {
            logger.debug("stale task manifest ignored", metadata: ["timeline": "\(timeline)"])
            return
        }
        try await store.setSequenceNumber(timeline)
        pendingManifestId = messageId
        let listed = Set((m.tasks ?? []).filter { $0.desiredStatus == "RUNNING" }.compactMap(\.taskArn))
        let candidates = await receiver.desiredRunningTaskArns().filter { !listed.contains($0) }
        send(Self.frame("AckRequest", ACSAckRequest(cluster: m.clusterArn, containerInstance: m.containerInstanceArn, messageId: messageId)))
        if !candidates.isEmpty {
            let identifiers = candidates.map { ACSTaskIdentifier(taskArn: $0, taskClusterArn: m.clusterArn, desiredStatus: "STOPPED") }
            send(Self.frame("TaskStopVerificationMessage", ACSTaskStopVerificationMessage(messageId: messageId, stopCandidates: identifiers)))
        }
    }

    func stopVerification(_ m: ACSTaskStopVerificationAck) async throws {
        guard let id = m.messageId, id == pendingManifestId else { return }
        pendingManifestId = nil
        let arns = (m.stopTasks ?? []).compactMap(\.taskArn)
        if !arns.isEmpty {
            logger.notice("control plane confirmed tasks to stop", metadata: ["tasks": "\(arns.joined(separator: ","))"])
            await receiver.stop(taskArns: arns)
        }
    }

    // MARK: helpers

    static func frame(_ type: String, _ message: some Encodable) -> String {
        (try? ACSEnvelope.encode(type: type, message)) ?? "{\"type\":\"\(type)\",\"message\":{}}"
    }

    /// The task as stored on disk: credentials stay in memory only.
}
