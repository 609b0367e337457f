import ECSModel
import HummingbirdWebSocket
import Logging
import NIOCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One agent's ACS websocket: frames from the control plane go out through an async stream,
/// frames from the agent go to the control plane, and heartbeats and task manifests go out at
/// a steady pace. All four are children of one task group, ended together.
final class ACSConnection: ACSSessionSink, @unchecked Sendable {
    enum Outgoing: Sendable {
        case frame(String)
        case close(ACSCloseCode, String)
    }

    let id = Identifiers.uuid()
    let continuation: AsyncStream<Outgoing>.Continuation
    let stream: AsyncStream<Outgoing>

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Outgoing.self)
    }

    func send(_ frame: String) { continuation.yield(.frame(frame)) }
    func close(code: ACSCloseCode, reason: String) { continuation.yield(.close(code, reason)) }

    static func run(
        plane: ControlPlane, instanceArn: String, sendCredentials: Bool = false, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger
    ) async throws {
        let connection = ACSConnection()
        do {
            try await plane.attach(connection, instanceArn: instanceArn, sendCredentials: sendCredentials)
        } catch let refusal as ACSRefusal {
            let body = JSONValue.object([refusal.type: .string(refusal.message)]).jsonText
            try? await outbound.close(.policyViolation, reason: String(body.prefix(120)))
            return
        }
        let heartbeat = await plane.options.heartbeatInterval
        let manifestInterval = await plane.options.manifestInterval
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Agent → control plane. Ends when the agent closes or the connection drops.
                do {
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message { await plane.received(text, from: instanceArn) }
                    }
                } catch {
                    logger.debug("acs read ended", metadata: ["error": "\(error)"])
                }
                connection.continuation.finish()
            }
            group.addTask {
                // Control plane → agent.
                for await item in connection.stream {
                    switch item {
                    case .frame(let text):
                        do { try await outbound.write(.text(text)) } catch { return }
                    case .close(let code, let reason):
                        try? await outbound.close(code == .policyViolation ? .policyViolation : .normalClosure, reason: reason)
                        return
                    }
                }
            }
            group.addTask {
                // Heartbeats; they go through the stream so frames never interleave on the socket.
                while (try? await _Concurrency.Task.sleep(for: heartbeat)) != nil {
                    let beat = ACSHeartbeatMessage(healthy: true, messageId: Identifiers.uuid())
                    if let frame = try? ACSEnvelope.encode(type: "HeartbeatMessage", beat) { connection.send(frame) }
                }
            }
            group.addTask {
                while (try? await _Concurrency.Task.sleep(for: manifestInterval)) != nil {
                    _ = try? await plane.sendManifest(to: instanceArn)
                }
            }
            // The first child to end is the reader or the writer: the connection is over.
            await group.next()
            group.cancelAll()
        }
        await plane.detach(connection.id, instanceArn: instanceArn)
    }
}
