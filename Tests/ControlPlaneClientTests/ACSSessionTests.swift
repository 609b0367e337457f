import AWSSupport
import AgentTestSupport
import ControlPlaneClient
import ECSModel
import Foundation
import Testing

@Suite("ACS session against a scripted peer", .timeLimit(.minutes(2)))
struct ACSSessionTests {
    static let task: ACSTask = {
        var c = ACSContainer()
        c.name = "web"
        c.image = "busybox"
        c.overrides = "{}"
        var t = ACSTask()
        t.arn = "arn:aws:ecs:us-west-2:123456789012:task/default/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        t.family = "web"
        t.version = "1"
        t.desiredStatus = "RUNNING"
        t.containers = [c]
        t.roleCredentials = IAMRoleCredentials(credentialsId: "cred-task", roleArn: "arn:aws:iam::123456789012:role/app", accessKeyId: "ASIATASK",
                                               secretAccessKey: "task-secret", sessionToken: "tok", expiration: "2026-05-05T12:00:00Z")
        t.executionRoleCredentials = IAMRoleCredentials(credentialsId: "cred-exec", roleArn: "arn:aws:iam::123456789012:role/exec", accessKeyId: "ASIAEXEC",
                                                        secretAccessKey: "exec-secret", sessionToken: "tok2", expiration: "2026-05-05T13:00:00Z")
        return t
    }()

    static func payload(_ id: String, seq: Int64, tasks: [ACSTask] = [task]) -> ACSPayloadMessage {
        ACSPayloadMessage(messageId: id, clusterArn: "default", containerInstanceArn: testRegistration.containerInstanceArn, seqNum: seq, generatedAt: 1, tasks: tasks)
    }

    @Test("The first connection asks for credentials and carries the Go agent's query; reconnects do not ask again")
    func queryAndSendCredentials() async throws {
        let h = try ACSHarness()
        try await h.start()
        defer { Task { await h.stop() } }
        let first = try await h.connection(0)
        #expect(first.query["sendCredentials"] == "true")
        #expect(first.query["seqNum"] == "1")
        #expect(first.query["protocolVersion"] == "2")
        #expect(first.query["clusterArn"] == "default")
        #expect(first.query["containerInstanceArn"] == testRegistration.containerInstanceArn)
        // Go's url.Values.Encode writes the space as '+' (the peer's parser leaves it as is).
        #expect(first.query["dockerVersion"]?.replacingOccurrences(of: "+", with: " ") == "DockerVersion: 20.10.24")
        #expect(first.query["agentVersion"] == "1.105.1")
        #expect(first.headers["authorization"]?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDTEST/") == true)
        #expect(first.headers["authorization"]?.contains("SignedHeaders=host;x-amz-date,") == true)
        first.close(code: .goingAway)
        let second = try await h.connection(1)
        #expect(second.query["sendCredentials"] == "false")
        await h.stop()
    }

    @Test("Heartbeats are acknowledged; a peer that goes silent is left and the agent reconnects")
    func heartbeatsAndSilence() async throws {
        let h = try ACSHarness()
        try await h.start(timing: fastTiming(heartbeat: .milliseconds(1500)))
        let c = try await h.connection(0)
        try c.send("HeartbeatMessage", ACSHeartbeatMessage(healthy: true, messageId: "hb-1"))
        try await eventually("a HeartbeatAckRequest") { !c.envelopes("HeartbeatAckRequest").isEmpty }
        #expect(c.envelopes("HeartbeatAckRequest").first?.message["messageId"]?.stringValue == "hb-1")
        // Then silence: no message for 1.5 s → the agent closes and dials again.
        _ = try await h.connection(1, timeout: .seconds(10))
        try await eventually("the silent connection to end") { c.isEnded }
        await h.stop()
    }

    @Test("A close frame or a CloseMessage makes the agent reconnect by itself")
    func closeReconnects() async throws {
        let h = try ACSHarness()
        try await h.start()
        let c0 = try await h.connection(0)
        c0.close(code: .normalClosure, reason: "bye")
        let c1 = try await h.connection(1)
        try c1.send("CloseMessage", ACSCloseMessage(message: "server maintenance"))
        _ = try await h.connection(2)
        #expect(h.connectedCount.value >= 3)
        c1.close()
        await h.stop()
    }

    @Test("A payload is saved, handed to the engine and acknowledged with one credentials ack per role")
    func payloadAcks() async throws {
        let h = try ACSHarness()
        try await h.start()
        let c = try await h.connection(0)
        try c.send("PayloadMessage", Self.payload("pay-1", seq: 7))
        try await eventually("acks") { c.envelopes("AckRequest").count == 1 && c.envelopes("IAMRoleCredentialsAckRequest").count == 2 }
        let ack = c.envelopes("AckRequest")[0].message
        #expect(ack["messageId"]?.stringValue == "pay-1")
        #expect(ack["cluster"]?.stringValue == "default")
        #expect(ack["containerInstance"]?.stringValue == testRegistration.containerInstanceArn)
        let credAcks = Set(c.envelopes("IAMRoleCredentialsAckRequest").map { "\($0.message["credentialsId"]!.stringValue!) \($0.message["expiration"]!.stringValue!) \($0.message["messageId"]!.stringValue!)" })
        #expect(credAcks == ["cred-task 2026-05-05T12:00:00Z pay-1", "cred-exec 2026-05-05T13:00:00Z pay-1"])
        #expect(await h.receiver.accepted.map(\.arn) == [Self.task.arn])
        #expect(await h.credentials.get("cred-task")?.credentials.secretAccessKey == "task-secret")
        #expect(await h.credentials.get("cred-exec")?.roleType == .taskExecution)
        #expect(try await h.store.sequenceNumber() == 7)
        // Saved before the ack, and without its secrets.
        let stored = try await h.store.tasks()
        #expect(stored.map(\.arn) == [Self.task.arn!])
        #expect(!stored[0].body.contains("secret"))
        await h.stop()
    }

    @Test("An invalid task is reported STOPPED with the Go agent's reason and the payload is not acknowledged")
    func invalidTask() async throws {
        let h = try ACSHarness()
        try await h.start()
        let c = try await h.connection(0)
        var bad = Self.task
        bad.arn = "arn:aws:ecs:us-west-2:123456789012:task/default/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
        bad.containers![0].overrides = #"{"environment":{"A":"1"}}"#
        try c.send("PayloadMessage", Self.payload("pay-bad", seq: 2, tasks: [bad]))
        try await eventually("a STOPPED state change") { await !h.api.calls("SubmitTaskStateChange").isEmpty }
        let change = await h.api.calls("SubmitTaskStateChange")[0]
        #expect(change["status"]?.stringValue == "STOPPED")
        #expect(change["task"]?.stringValue == bad.arn)
        #expect(change["reason"]?.stringValue?.hasPrefix("UnrecogniedTaskError: Error loading task - ") == true)
        #expect(change["reason"]?.stringValue?.contains("environment") == true)
        try c.send("HeartbeatMessage", ACSHeartbeatMessage(healthy: true, messageId: "after"))
        try await eventually("the heartbeat ack after it") { !c.envelopes("HeartbeatAckRequest").isEmpty }
        #expect(c.envelopes("AckRequest").isEmpty)
        // A payload without a messageId is dropped without an ack, too.
        var anonymous = Self.payload("x", seq: 3)
        anonymous.messageId = nil
        try c.send("PayloadMessage", anonymous)
        try c.send("HeartbeatMessage", ACSHeartbeatMessage(healthy: true, messageId: "after2"))
        try await eventually("the second heartbeat ack") { c.envelopes("HeartbeatAckRequest").count == 2 }
        #expect(c.envelopes("AckRequest").isEmpty)
        await h.stop()
    }

    @Test("Refreshed credentials are stored by credentialsId and acknowledged when the task is known, not otherwise")
    func refreshedCredentials() async throws {
        let h = try ACSHarness()
        try await h.start()
        let c = try await h.connection(0)
        try c.send("PayloadMessage", Self.payload("pay-1", seq: 1))
        try await eventually("payload ack") { c.envelopes("AckRequest").count == 1 }
        var m = ACSIAMRoleCredentialsMessage()
        m.messageId = "cred-msg-1"
        m.taskArn = Self.task.arn
        m.roleType = "TaskApplication"
        m.roleCredentials = IAMRoleCredentials(credentialsId: "cred-task-2", roleArn: "arn:aws:iam::123456789012:role/app", accessKeyId: "ASIANEW",
                                               secretAccessKey: "new-secret", sessionToken: "t", expiration: "later")
        try c.send("IAMRoleCredentialsMessage", m)
        try await eventually("the credentials ack") { c.envelopes("IAMRoleCredentialsAckRequest").count == 3 }
        let ack = c.envelopes("IAMRoleCredentialsAckRequest").last!.message
        #expect(ack == ["messageId": "cred-msg-1", "credentialsId": "cred-task-2", "expiration": "later"])
        #expect(await h.credentials.get("cred-task-2")?.credentials.accessKeyId == "ASIANEW")
        #expect(await h.receiver.credentialChanges.last?.1 == "cred-task-2")

        m.messageId = "cred-msg-2"
        m.taskArn = "arn:aws:ecs:us-west-2:123456789012:task/default/unknown"
        m.roleCredentials?.credentialsId = "cred-unknown"
        try c.send("IAMRoleCredentialsMessage", m)
        try c.send("HeartbeatMessage", ACSHeartbeatMessage(healthy: true, messageId: "after"))
        try await eventually("heartbeat ack") { !c.envelopes("HeartbeatAckRequest").isEmpty }
        try await Task.sleep(for: .milliseconds(200))
        #expect(c.envelopes("IAMRoleCredentialsAckRequest").count == 3)
        #expect(await h.credentials.get("cred-unknown") != nil)
        await h.stop()
    }

    @Test("A newer manifest is acked with stop candidates, the matching verification ack stops them once, a stale manifest is ignored")
    func manifestAndStopVerification() async throws {
        let h = try ACSHarness()
        try await h.start()
        let c = try await h.connection(0)
        try c.send("PayloadMessage", Self.payload("pay-1", seq: 5))
        try await eventually("payload ack") { c.envelopes("AckRequest").count == 1 }

        var stale = ACSTaskManifestMessage()
        stale.messageId = "man-stale"
        stale.clusterArn = "default"
        stale.timeline = 5
        stale.tasks = []
        try c.send("TaskManifestMessage", stale)

        var manifest = stale
        manifest.messageId = "man-1"
        manifest.timeline = 6
        try c.send("TaskManifestMessage", manifest)
        try await eventually("manifest ack and stop verification") { c.envelopes("TaskStopVerificationMessage").count == 1 }
        #expect(c.envelopes("AckRequest").compactMap { $0.message["messageId"]?.stringValue } == ["pay-1", "man-1"])
        let verification = c.envelopes("TaskStopVerificationMessage")[0].message
        #expect(verification["messageId"]?.stringValue == "man-1")
        #expect(verification["stopCandidates"]?.arrayValue?.first?["taskArn"]?.stringValue == Self.task.arn)
        #expect(verification["stopCandidates"]?.arrayValue?.first?["desiredStatus"]?.stringValue == "STOPPED")

        let stop = [ACSTaskIdentifier(taskArn: Self.task.arn, taskClusterArn: "default", desiredStatus: "STOPPED")]
        try c.send("TaskStopVerificationAck", ACSTaskStopVerificationAck(messageId: "other", generatedAt: 1, stopTasks: stop))
        try c.send("TaskStopVerificationAck", ACSTaskStopVerificationAck(messageId: "man-1", generatedAt: 1, stopTasks: stop))
        try c.send("TaskStopVerificationAck", ACSTaskStopVerificationAck(messageId: "man-1", generatedAt: 1, stopTasks: stop))
        try await eventually("the task stopped") { await h.receiver.stopped == [Self.task.arn!] }
        try await Task.sleep(for: .milliseconds(200))
        #expect(await h.receiver.stopped.count == 1)
        #expect(try await h.store.sequenceNumber() == 6)
        await h.stop()
    }

    @Test("Malformed frames are logged and dropped; the session keeps answering", arguments: [UInt64(4), 5, 6])
    func malformedFrames(seed: UInt64) async throws {
        let h = try ACSHarness()
        try await h.start()
        let c = try await h.connection(0)
        var rng = SeededGenerator(seed: seed)
        let valid = try ACSEnvelope.encode(type: "PayloadMessage", Self.payload("p", seq: 1))
        let shapes = ["", "{", "null", "[]", "{\"type\":1}", "{\"type\":\"PayloadMessage\",\"message\":[]}", "{\"type\":\"PayloadMessage\",\"message\":{\"tasks\":\"x\"}}",
                      "{\"type\":\"TaskManifestMessage\",\"message\":{\"messageId\":\"m\",\"timeline\":\"soon\"}}", "{\"type\":\"NoSuchMessage\",\"message\":{}}",
                      "{\"InvalidClusterException\":\"Invalid cluster\"}"]
        for i in 0..<150 {
            var frame: String
            if i % 3 == 0 {
                frame = shapes[Int.random(in: 0..<shapes.count, using: &rng)]
            } else {
                var bytes = Array(valid.utf8)
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0x20...0x7e, using: &rng)
                }
                frame = String(decoding: bytes, as: UTF8.self)
            }
            c.send(frame)
        }
        try c.send("HeartbeatMessage", ACSHeartbeatMessage(healthy: true, messageId: "still-here"))
        try await eventually("an ack after the noise") { c.envelopes("HeartbeatAckRequest").contains { $0.message["messageId"]?.stringValue == "still-here" } }
        #expect(h.peer.connections(.acs).count == 1, "the agent kept the connection")
        await h.stop()
    }

    @Test("A refused upgrade naming InactiveInstanceException takes the inactive path and tells TCS")
    func inactiveInstance() async throws {
        let h = try ACSHarness()
        h.peer.refuse((400, #"{"InactiveInstanceException":"Container instance is inactive"}"#))
        try await h.start()
        try await eventually("the inactive callback") { h.inactiveCount.value >= 1 }
        #expect(h.session.status.lastEnd?.contains("InactiveInstanceException: Container instance is inactive") == true)
        h.peer.refuse(nil)
        _ = try await h.connection(0, timeout: .seconds(10))
        await h.stop()
    }

    @Test("Reconnects back off: a peer that refuses every upgrade is dialled with growing delays within the bound")
    func backoffGrows() async throws {
        let h = try ACSHarness()
        h.peer.refuse((500, #"{"type":"ServerException","message":{"message":"busy"}}"#))
        try await h.start()
        try await eventually(timeout: .seconds(60), "eight attempts") { await h.api.calls("DiscoverPollEndpoint").count >= 8 }
        let times = await h.api.callTimes.filter { $0.0 == "DiscoverPollEndpoint" }.map(\.1)
        // Each wait is at least the schedule's base: 50 ms × 1.5ⁱ, capped at 200 ms (jitter only adds).
        for i in 1..<8 {
            let base = min(Duration.milliseconds(200), .milliseconds(50) * pow(1.5, Double(i - 1)))
            #expect(times[i] - times[i - 1] >= base, "wait \(i) was \(times[i] - times[i - 1]), below \(base)")
        }
        #expect(h.session.status.lastEnd?.contains("ServerException: busy") == true)
        await h.stop()
    }

    @Test("The read loop never waits for task work: heartbeats are answered while the engine is stuck on a payload")
    func readLoopNotBlocked() async throws {
        let h = try ACSHarness()
        try await h.start(timing: fastTiming(heartbeat: .seconds(30)))
        let c = try await h.connection(0)
        await h.receiver.setStall(true)
        try c.send("PayloadMessage", Self.payload("slow", seq: 1))
        for i in 0..<5 { try c.send("HeartbeatMessage", ACSHeartbeatMessage(healthy: true, messageId: "hb-\(i)")) }
        try await eventually("five heartbeat acks while the payload is stuck") { c.envelopes("HeartbeatAckRequest").count == 5 }
        #expect(c.envelopes("AckRequest").isEmpty)
        await h.receiver.setStall(false)
        try await eventually("the payload ack once the engine is done") { c.envelopes("AckRequest").count == 1 }
        await h.stop()
    }

    @Test("The periodic recycle closes the connection cleanly (1000) and reconnects at once")
    func recycle() async throws {
        let h = try ACSHarness()
        try await h.start(timing: fastTiming(heartbeat: .seconds(30), recycle: .milliseconds(500)))
        let c0 = try await h.connection(0)
        let c1 = try await h.connection(1, timeout: .seconds(5))
        try await eventually("the first connection closed") { c0.isEnded }
        #expect(c1.query["sendCredentials"] == "false")
        #expect(h.session.status.lastEnd?.contains("closed cleanly (close 1000") == true, "\(h.session.status.lastEnd ?? "")")
        await h.stop()
    }
}
