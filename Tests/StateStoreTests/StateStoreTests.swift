import AgentTestSupport
import Foundation
import Logging
import StateStore
import Testing

@Suite("Agent state store")
struct StateStoreTests {
    var logger: Logger {
        var l = Logger(label: "test.store")
        l.logLevel = .critical
        return l
    }

    @Test("Identity, sequence number, outbox and tasks survive closing and reopening")
    func persistence() async throws {
        let dir = try TestEnvironment.temporaryDirectory("store")
        var store = try await AgentStateStore.open(directory: dir, logger: logger)
        #expect(try await store.sequenceNumber() == -1)
        try await store.setValues(["containerInstanceArn": "arn:ci", "cluster": "default"])
        try await store.setSequenceNumber(42)
        let id = try await store.appendStateChange(taskArn: "arn:t", body: #"{"status":"RUNNING"}"#)
        try await store.saveTask(arn: "arn:t", desiredStatus: "RUNNING", body: "{}")
        await store.close()
        store = try await AgentStateStore.open(directory: dir, logger: logger)
        #expect(try await store.value("containerInstanceArn") == "arn:ci")
        #expect(try await store.sequenceNumber() == 42)
        #expect(try await store.pendingStateChanges().map(\.id) == [id])
        #expect(try await store.tasks().map(\.arn) == ["arn:t"])
        try await store.removeStateChange(id: id)
        #expect(try await store.pendingStateChanges().isEmpty)
        await store.close()
    }

    @Test("Many tasks saving at once never nest transactions; each engine record is saved with its changes, and deleted with its payload")
    func concurrentEngineSaves() async throws {
        let dir = try TestEnvironment.temporaryDirectory("store")
        let store = try await AgentStateStore.open(directory: dir, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<40 {
                group.addTask {
                    try await store.saveTask(arn: "arn:\(i)", desiredStatus: "RUNNING", body: "{}")
                    for round in 0..<3 {
                        try await store.saveEngineTask(arn: "arn:\(i)", body: #"{"round":\#(round)}"#, changes: [#"{"status":"RUNNING"}"#])
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.engineTasks().count == 40)
        #expect(try await store.pendingStateChanges().count == 120)
        #expect(try await store.pendingStateChangeCount(taskArn: "arn:7") == 3)
        try await store.deleteEngineTask(arn: "arn:7")
        #expect(try await store.engineTasks().count == 39)
        #expect(try await store.tasks().count == 39)
        await store.close()
    }

    @Test("One save writes the record and its changes in order, texts intact, and a second save replaces the record in place")
    func oneStatementSave() async throws {
        let store = try await AgentStateStore.open(directory: nil, logger: logger)
        let tricky = "{\"reason\":\"quote \\\" backslash \\\\ newline \n tab \t é \u{1}\"}"
        try await store.saveEngineTask(arn: "arn:a", body: #"{"v":1}"#, changes: [#"{"n":1}"#, tricky, #"{"n":3}"#])
        try await store.saveEngineTask(arn: "arn:b", body: #"{"v":1}"#, changes: [])
        try await store.saveEngineTask(arn: "arn:a", body: #"{"v":2}"#, changes: [])
        #expect(try await store.engineTasks() == [#"{"v":2}"#, #"{"v":1}"#])
        let changes = try await store.pendingStateChanges()
        #expect(changes.map(\.body) == [#"{"n":1}"#, tricky, #"{"n":3}"#])
        #expect(changes.map(\.taskArn) == ["arn:a", "arn:a", "arn:a"])
        await store.close()
    }

    @Test("A database that is not SQLite is moved aside and the identity comes back from the backup")
    func quarantine() async throws {
        let dir = try TestEnvironment.temporaryDirectory("store")
        var store = try await AgentStateStore.open(directory: dir, logger: logger)
        try await store.setValues(["containerInstanceArn": "arn:kept", "cluster": "prod"])
        await store.close()
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir + "/agent.db" + suffix) }
        try Data(repeating: 0x5a, count: 8192).write(to: URL(fileURLWithPath: dir + "/agent.db"))
        store = try await AgentStateStore.open(directory: dir, logger: logger)
        #expect(try await store.value("containerInstanceArn") == "arn:kept")
        #expect(try await store.value("cluster") == "prod")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(files.contains { $0.hasPrefix("agent.db.corrupt-") })
        await store.close()
    }

    @Test("A database from a newer agent is refused with both versions and the fix")
    func newerSchema() async throws {
        let dir = try TestEnvironment.temporaryDirectory("store")
        let store = try await AgentStateStore.open(directory: dir, logger: logger)
        await store.close()
        let result = try Subprocess.run(["sqlite3", dir + "/agent.db", "PRAGMA user_version = 99;"], environment: ProcessInfo.processInfo.environment)
        try #require(result.status == 0, "sqlite3 is needed: \(result.stderr)")
        await #expect {
            try await AgentStateStore.open(directory: dir, logger: logger)
        } throws: { error in
            "\(error)".contains("schema 99") && "\(error)".contains("newer agent")
        }
    }
}
