import AWSSupport
import ControlPlaneClient
import DockerEngine
import ECSModel
import Endpoints
import Logging
import LogShipping
import StateStore
import TaskEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Containers' output from Docker's logs API, on a client of its own: every followed container
/// holds a connection for as long as it runs, and the engine's calls must not queue behind them.
struct DockerLogSource: ContainerLogSource {
    let docker: DockerClient

    func follow(containerID: String, since: Int64, deliver: @escaping @Sendable (LogEntry) async -> Void) async throws {
        let tty: Bool
        do {
            tty = try await docker.inspectContainer(containerID).config?.tty ?? false
        } catch let error as DockerError where error.status == 404 {
            throw ContainerGone()
        }
        var pending: [UInt8] = []
        try await docker.followLogs(containerID, since: since > 0 ? DockerTimestamp.sinceParameter(since) : nil, tty: tty) { chunk in
            let stream: LogEntry.Stream = chunk.stream == .stderr ? .stderr : .stdout
            guard tty else {
                // One frame is one entry.
                if let entry = LogEntry.parse(chunk.bytes, stream: stream) { await deliver(entry) }
                return
            }
            // A TTY's raw stream: entries are lines, each with its timestamp.
            pending += chunk.bytes
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[...newline])
                pending.removeSubrange(...newline)
                if let entry = LogEntry.parse(line, stream: .stdout) { await deliver(entry) }
            }
        }
    }
}

/// Cursors in the agent's SQLite database.
struct StoreLogCursors: LogCursorStore {
    let store: AgentStateStore
    let logger: Logger

    func loadCursor(_ containerID: String) async -> LogCursor? {
        guard let text = try? await store.logCursor(containerID: containerID) else { return nil }
        return try? JSONDecoder().decode(LogCursor.self, from: Data(text.utf8))
    }

    func saveCursor(_ containerID: String, _ cursor: LogCursor) async throws {
        let data = try JSONEncoder().encode(cursor)
        try await store.saveLogCursor(containerID: containerID, body: String(decoding: data, as: UTF8.self))
    }

    func removeCursor(_ containerID: String) async {
        do { try await store.removeLogCursor(containerID: containerID) } catch {
            logger.warning("log shipping cursor not removed", metadata: ["containerID": "\(containerID)", "error": "\(error)"])
        }
    }
}

/// The engine's `ContainerLogShipping`: decides from the container's log configuration whether
/// the agent ships it, and with which credentials (the task's execution role when it has one,
/// looked up afresh as ACS refreshes it; else the agent's own).
struct AgentLogShipping: ContainerLogShipping {
    let service: LogShippingService
    let policy: LoggingPolicy
    let region: String
    let environment: [String: String]
    let userAgent: String
    let board: TaskBoard
    let taskCredentials: TaskCredentialsStore
    let agentCredentials: CredentialChain
    /// How long cleanup waits for a container's output to be shipped before removing it.
    let drainLimit: Duration

    func follow(task: ACSTask, container: ACSContainer, dockerID: String) {
        guard let options = LogRouting.shippedByAgent(container, policy: policy), let arn = task.arn else { return }
        let region = options.region ?? self.region
        let endpoint = options.endpoint ?? environment["AWS_ENDPOINT_URL_LOGS"] ?? environment["AWS_ENDPOINT_URL"] ?? CloudWatchLogsClient.endpoint(region: region)
        let target = ShippingTarget(containerID: dockerID, containerName: container.name ?? "", taskArn: arn, options: options,
                                    region: region, endpoint: endpoint)
        let credentials: CredentialChain
        if task.executionRoleCredentials?.credentialsId != nil || board.task(arn: arn)?.executionRoleCredentialsID != nil {
            credentials = CredentialChain([ExecutionRoleProvider(taskArn: arn, board: board, store: taskCredentials)])
        } else {
            credentials = agentCredentials
        }
        service.follow(target, api: CloudWatchLogsClient(endpoint: endpoint, region: region, credentials: credentials, userAgent: userAgent))
    }

    static func views(_ statuses: [LogShippingService.Status]) -> [LogShippingView] {
        statuses.map {
            LogShippingView(taskArn: $0.taskArn, containerName: $0.containerName, dockerID: $0.containerID, group: $0.group, stream: $0.stream,
                            following: $0.running, shippedEvents: $0.cursor.shipped, rejectedEvents: $0.cursor.rejected, gaps: $0.cursor.gaps,
                            lastError: $0.lastError)
        }
    }

    func finished(dockerID: String) async {
        await service.finished(containerID: dockerID, limit: drainLimit)
    }
}

/// The execution role's current credentials for a task (ACS refreshes them under a new ID).
struct ExecutionRoleProvider: CredentialProvider {
    let taskArn: String
    let board: TaskBoard
    let store: TaskCredentialsStore
    var name: String { "execution role of \(taskArn)" }

    func load() async throws -> ExpiringCredentials? {
        guard let id = board.task(arn: taskArn)?.executionRoleCredentialsID, let entry = await store.get(id),
              let key = entry.credentials.accessKeyId, let secret = entry.credentials.secretAccessKey else { return nil }
        return ExpiringCredentials(credentials: AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: entry.credentials.sessionToken),
                                   expiration: entry.credentials.expiration.flatMap(RFC3339.parse), source: name)
    }
}
