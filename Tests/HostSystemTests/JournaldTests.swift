import AgentTestSupport
import Foundation
import Logging
import Testing
@testable import HostSystem

@Suite("journald field names and redaction")
struct JournalFieldTests {
    @Test("Metadata keys become upper-snake journal fields", arguments: [
        ("taskArn", "TASK_ARN"), ("containerName", "CONTAINER_NAME"), ("dockerId", "DOCKER_ID"),
        ("task", "TASK"), ("already_snake", "ALREADY_SNAKE"), ("http2Stream", "HTTP2_STREAM"),
        ("with-dash.dot", "WITH_DASH_DOT"), ("_private", "PRIVATE"), ("message", "ECS_MESSAGE"), ("priority", "ECS_PRIORITY"),
    ])
    func fieldName(key: String, field: String) {
        #expect(JournaldLogHandler.fieldName(key) == field)
    }

    @Test("Keys that cannot be journal fields are dropped", arguments: ["9lives", "ü€", ""])
    func dropped(key: String) {
        #expect(JournaldLogHandler.fieldName(key) == nil)
    }

    @Test("Levels map to syslog priorities")
    func priorities() {
        #expect(JournaldLogHandler.priority(.debug) == 7)
        #expect(JournaldLogHandler.priority(.info) == 6)
        #expect(JournaldLogHandler.priority(.warning) == 4)
        #expect(JournaldLogHandler.priority(.error) == 3)
        #expect(JournaldLogHandler.priority(.critical) == 2)
    }

    @Test("Secret-named metadata is redacted whatever its value")
    func redaction() {
        #expect(Redaction.value(for: "secretAccessKey", "AKIA...") == "<redacted>")
        #expect(Redaction.value(for: "sessionToken", "x") == "<redacted>")
        #expect(Redaction.value(for: "registryPassword", "x") == "<redacted>")
        #expect(Redaction.value(for: "taskArn", "arn:x") == "arn:x")
        #expect("\(Secret("hunter2"))" == "<redacted>")
    }

    @Test("ECS_LOGLEVEL values map to swift-log levels; none turns logging off")
    func levels() {
        #expect(AgentLogLevel.parse("warn") == .some(.warning))
        #expect(AgentLogLevel.parse("CRIT") == .some(.critical))
        #expect(AgentLogLevel.parse("none") == .some(nil))
        #expect(AgentLogLevel.parse("loud") == nil)
    }
}

@Suite("journald integration", .enabled(if: TestEnvironment.integrationEnabled, "needs journald: run scripts/test"))
struct JournaldIntegrationTests {
    @Test("An entry logged through the handler is read back by journalctl with its fields")
    func roundTrip() async throws {
        let marker = "run-\(UUID().uuidString)"
        var handler = JournaldLogHandler(label: "ecs-agent.test", identifier: "ecs-agent", level: .debug)
        handler[metadataKey: "taskArn"] = "arn:aws:ecs:us-west-2:123456789012:task/c/\(marker)"
        var logger = Logger(label: "ecs-agent.test") { _ in handler }
        logger.logLevel = .debug
        logger.warning("container exited", metadata: [
            "containerName": "web", "dockerId": "abc123", "testMarker": "\(marker)", "registryPassword": "hunter2",
        ])

        var entry: [String: Any] = [:]
        try await eventually(timeout: .seconds(10), "the entry in the journal") {
            let out = try await Subprocess.runDetached { try run("/usr/bin/journalctl", ["-t", "ecs-agent", "TEST_MARKER=\(marker)", "-o", "json", "--no-pager"]) }
            guard let line = out.split(separator: "\n").first,
                  let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return false }
            entry = json
            return true
        }
        #expect(entry["MESSAGE"] as? String == "container exited")
        #expect(entry["PRIORITY"] as? String == "4")
        #expect(entry["SYSLOG_IDENTIFIER"] as? String == "ecs-agent")
        #expect(entry["TASK_ARN"] as? String == "arn:aws:ecs:us-west-2:123456789012:task/c/\(marker)")
        #expect(entry["CONTAINER_NAME"] as? String == "web")
        #expect(entry["DOCKER_ID"] as? String == "abc123")
        #expect(entry["REGISTRY_PASSWORD"] as? String == "<redacted>")
        #expect((entry["CODE_FILE"] as? String)?.hasSuffix("JournaldTests.swift") == true)
        #expect(entry["LOGGER"] as? String == "ecs-agent.test")
    }
}

@Suite("sd_notify", .serialized)
struct NotifyTests {
    @Test("Without NOTIFY_SOCKET every notification is a no-op")
    func noSocket() {
        unsetenv("NOTIFY_SOCKET")
        let notifier = SystemdNotifier()
        #expect(notifier.ready() == false)
        #expect(notifier.watchdog() == false)
        #expect(notifier.watchdogInterval == nil)
    }

    @Test("READY=1 and STATUS= reach the socket systemd names")
    func readyReachesSocket() throws {
        let dir = try TestEnvironment.temporaryDirectory("notify")
        let path = dir + "/notify.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd); unsetenv("NOTIFY_SOCKET"); try? FileManager.default.removeItem(atPath: dir) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setenv("NOTIFY_SOCKET", path, 1)

        let notifier = SystemdNotifier()
        #expect(notifier.ready(status: "registered\nwith two lines"))
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = recv(fd, &buffer, buffer.count, 0)
        try #require(n > 0)
        #expect(String(decoding: buffer[0..<n], as: UTF8.self) == "READY=1\nSTATUS=registered with two lines")

        setenv("WATCHDOG_USEC", "2000000", 1)
        setenv("WATCHDOG_PID", String(getpid()), 1)
        defer { unsetenv("WATCHDOG_USEC"); unsetenv("WATCHDOG_PID") }
        #expect(notifier.watchdogInterval == .seconds(2))
    }
}

/// Runs a program and returns its standard output.
func run(_ path: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
