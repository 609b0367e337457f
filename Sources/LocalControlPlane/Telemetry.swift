public import ECSModel
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The latest telemetry each instance sent over TCS: metrics and health per task, and the
/// instance status. Shown at `GET /admin/telemetry`.
public actor TelemetryStore {
    struct Entry: Sendable {
        var receivedAt: Double
        var type: String
        var message: JSONValue
    }

    var latest: [String: [String: Entry]] = [:]

    public init() {}

    func record(instanceArn: String, type: String, message: JSONValue) {
        var key = type
        // Metrics and health are kept per task; the instance status once per instance.
        if let tasks = message["taskMetrics"]?.arrayValue ?? message["tasks"]?.arrayValue {
            for task in tasks {
                if let arn = task["taskArn"]?.stringValue {
                    key = "\(type) \(arn)"
                    latest[instanceArn, default: [:]][key] = Entry(receivedAt: Date().timeIntervalSince1970, type: type, message: task)
                }
            }
            if !tasks.isEmpty { return }
        }
        latest[instanceArn, default: [:]][key] = Entry(receivedAt: Date().timeIntervalSince1970, type: type, message: message)
    }

    public func snapshot() -> JSONValue {
        .object(latest.mapValues { entries in
            .object(entries.mapValues { .object(["receivedAt": .double($0.receivedAt), "type": .string($0.type), "message": $0.message]) })
        })
    }

    func report() -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: snapshot().jsonText)))
    }
}

/// One agent's TCS websocket. Frames arrive with a signed HTTP header block before the JSON
/// (protocol.md §5.2); the block is skipped. Publish requests are acknowledged, heartbeats sent.
enum TCSConnection {
    static let acks = ["PublishMetricsRequest": "AckPublishMetric", "PublishHealthRequest": "AckPublishHealth",
                       "PublishInstanceStatusRequest": "AckPublishInstanceStatus"]

    static func run(
        store: TelemetryStore, instanceArn: String, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger,
        onHealth: @escaping @Sendable (JSONValue) async -> Void = { _ in }
    ) async throws {
        for try await message in inbound.messages(maxSize: 4 << 20) {
            let text: String
            switch message {
            case .text(let t): text = t
            case .binary(let b): text = String(buffer: b)
            }
            guard let envelope = ACSEnvelope.decode(stripSignedHeaders(text)) else {
                logger.debug("tcs frame is not an envelope; dropped")
                continue
            }
            if let ackType = acks[envelope.type] {
                await store.record(instanceArn: instanceArn, type: envelope.type, message: envelope.message)
                // Container health counts for services (a deployment waits for HEALTHY tasks).
                if envelope.type == "PublishHealthRequest" { await onHealth(envelope.message) }
                let ack = (try? ACSEnvelope.encode(type: ackType, ["message": "ok"])) ?? ""
                try await outbound.write(.text(ack))
            } else if envelope.type == "HeartbeatMessage" {
                let beat = (try? ACSEnvelope.encode(type: "HeartbeatMessage", ["healthy": true])) ?? ""
                try await outbound.write(.text(beat))
            }
        }
    }

    /// Drops everything up to the first blank line when the frame starts with headers.
    static func stripSignedHeaders(_ text: String) -> String {
        guard !text.hasPrefix("{"), let range = text.firstRange(of: "\r\n\r\n") else { return text }
        return String(text[range.upperBound...])
    }
}
