@testable import AgentRuntime
import AgentTestSupport
import Foundation
import Logging
import Testing

@Suite struct AuditLogTests {
    @Test func linesAreAppendedAndTheFileRollsOverHourlyKeepingTheLast24() throws {
        let dir = try TestEnvironment.temporaryDirectory("audit")
        var logger = Logger(label: "test.audit")
        logger.logLevel = .critical
        let log = AuditLog(path: dir + "/audit.log", logger: logger)
        let hour = 1_715_702_400.0  // 2024-05-14T16:00:00Z
        log.write("first", now: hour + 10)
        log.write("second", now: hour + 20)
        log.write("third", now: hour + 3600 + 5)
        #expect(try String(contentsOfFile: dir + "/audit.log.2024-05-14-16", encoding: .utf8) == "first\nsecond\n")
        #expect(try String(contentsOfFile: dir + "/audit.log", encoding: .utf8) == "third\n")
        for h in 2..<30 { log.write("h\(h)", now: hour + Double(h) * 3600) }
        let rolled = AuditLog.rolled(dir + "/audit.log")
        #expect(rolled.count == AuditLog.kept)
        #expect(!rolled.contains(dir + "/audit.log.2024-05-14-16"), "the oldest went")
    }
}
