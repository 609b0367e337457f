import AsyncGate
public import Logging
import NIOCore
import PosixFiles
import SQLiteNIO
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The agent's state on disk: one SQLite database in WAL mode, `synchronous=FULL`, one
/// transaction per change, so a SIGKILL at any instant loses nothing that was acknowledged
/// and there is no "final save" at shutdown.
///
/// What it holds: the registration identity (also mirrored to a small backup file beside the
/// database, so a quarantined database never makes the agent register anew), the ACS sequence
/// counter, the tasks ACS sent, and the outbox of task state changes not yet accepted by the
/// control plane.
public actor AgentStateStore {
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case newerSchema(found: Int, known: Int, path: String)
        case io(String)

        public var description: String {
            switch self {
            case .newerSchema(let found, let known, let path):
                "\(path) was written by a newer agent (schema \(found); this agent knows up to \(known)). Install that agent version again, or move the database away to start from the saved identity."
            case .io(let reason): "state store: \(reason)"
            }
        }
    }

    /// A state change waiting for the control plane.
    public struct PendingChange: Sendable, Hashable {
        public var id: Int64
        public var taskArn: String
        /// The SubmitTaskStateChange input, as JSON text.
        public var body: String
        public var recordedAt: Double
    }

    public struct StoredTask: Sendable, Hashable {
        public var arn: String
        public var desiredStatus: String
        /// The ACS task as JSON text.
        public var body: String
    }

    static let schemaVersion = 4
    static let migrations: [[String]] = [
        [
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE state_changes (id INTEGER PRIMARY KEY AUTOINCREMENT, task_arn TEXT NOT NULL, body TEXT NOT NULL, recorded_at REAL NOT NULL)",
            "CREATE INDEX state_changes_task ON state_changes (task_arn, id)",
            "CREATE TABLE acs_tasks (arn TEXT PRIMARY KEY, desired_status TEXT NOT NULL, body TEXT NOT NULL, updated_at REAL NOT NULL)",
        ],
        [
            // The task engine's records: statuses, Docker names and ids, ports, sent statuses.
            "CREATE TABLE engine_tasks (arn TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at REAL NOT NULL)",
        ],
        [
            // One statement saves a record and appends its state changes (a JSON array of
            // texts): sqlite-nio runs each statement as one job on its thread pool, and a save
            // on a task's launch path was four of them (BEGIN, two INSERTs, COMMIT), about
            // 1.5 ms of hand-offs for 0.1 ms of work. The trigger runs inside the statement's
            // own transaction, so the record and its changes still land together or not at all.
            "CREATE VIEW engine_saves (arn, body, changes, at) AS SELECT NULL, NULL, NULL, NULL",
            """
            CREATE TRIGGER engine_save INSTEAD OF INSERT ON engine_saves BEGIN
              INSERT INTO engine_tasks (arn, body, updated_at) VALUES (NEW.arn, NEW.body, NEW.at)
                ON CONFLICT(arn) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at;
              INSERT INTO state_changes (task_arn, body, recorded_at)
                SELECT NEW.arn, value, NEW.at FROM json_each(NEW.changes) ORDER BY key;
            END
            """,
        ],
        [
            // awslogs shipping: where each container's output was shipped up to.
            "CREATE TABLE log_cursors (container_id TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at REAL NOT NULL)",
        ],
    ]

    /// Identity keys, mirrored to the backup file.
    public static let identityKeys: Set<String> = ["containerInstanceArn", "cluster", "instanceId", "region"]

    public let path: String?
    private let connection: SQLiteConnection
    private let logger: Logger
    private var closed = false

    private init(path: String?, connection: SQLiteConnection, logger: Logger) {
        self.path = path
        self.connection = connection
        self.logger = logger
    }

    /// Opens (creating the directory and database if needed) `directory/agent.db`; nil keeps
    /// everything in memory. A database SQLite cannot read is moved aside
    /// (`agent.db.corrupt-<time>`) and a fresh one is seeded from the identity backup.
    public static func open(directory: String?, logger: Logger) async throws -> AgentStateStore {
        guard let directory else {
            let store = AgentStateStore(path: nil, connection: try await SQLiteConnection.open(storage: .memory, logger: logger), logger: logger)
            try await store.migrate()
            return store
        }
        do { try PosixFile.makeDirectory(directory) } catch { throw Failure.io(error.description) }
        let path = directory + "/agent.db"
        do {
            return try await openFile(path, logger: logger)
        } catch let failure as Failure {
            throw failure
        } catch {
            let aside = "\(path).corrupt-\(Int(Date().timeIntervalSince1970))"
            logger.error("state database unreadable; moving it aside and starting from the identity backup",
                         metadata: ["path": "\(path)", "movedTo": "\(aside)", "error": "\(error)"])
            for suffix in ["", "-wal", "-shm"] { _ = rename(path + suffix, aside + suffix) }
            let store = try await openFile(path, logger: logger)
            try await store.restoreIdentityFromBackup()
            return store
        }
    }

    private static func openFile(_ path: String, logger: Logger) async throws -> AgentStateStore {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let store = AgentStateStore(path: path, connection: connection, logger: logger)
        do {
            try await store.migrate()
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    private func migrate() async throws {
        _ = try await connection.query("PRAGMA journal_mode=WAL", [])
        _ = try await connection.query("PRAGMA synchronous=FULL", [])
        // Fails on a file that is not a database, which `open` turns into a quarantine.
        let version = try await connection.query("PRAGMA user_version", []).first?.column("user_version")?.integer ?? 0
        if version > Self.schemaVersion {
            throw Failure.newerSchema(found: version, known: Self.schemaVersion, path: path ?? ":memory:")
        }
        for step in version..<Self.schemaVersion {
            try await transaction {
                for statement in Self.migrations[step] { _ = try await connection.query(statement, []) }
                _ = try await connection.query("PRAGMA user_version = \(step + 1)", [])
            }
        }
    }

    /// One transaction at a time: the actor is re-entered at every `await`, so without this a
    /// second caller's BEGIN would land inside the first's transaction.
    private let transactions = AsyncGate()

    private func transaction<T>(_ body: () async throws -> T) async throws -> T {
        await transactions.enter()
        defer { transactions.leave() }
        _ = try await connection.query("BEGIN IMMEDIATE", [])
        do {
            let result = try await body()
            _ = try await connection.query("COMMIT", [])
            return result
        } catch {
            _ = try? await connection.query("ROLLBACK", [])
            throw error
        }
    }

    // MARK: meta and identity

    public func value(_ key: String) async throws -> String? {
        try await connection.query("SELECT value FROM meta WHERE key = ?", [.text(key)]).first?.column("value")?.string
    }

    public func setValues(_ values: [String: String?]) async throws {
        try await transaction {
            for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                if let value {
                    _ = try await connection.query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                                   [.text(key), .text(value)])
                } else {
                    _ = try await connection.query("DELETE FROM meta WHERE key = ?", [.text(key)])
                }
            }
        }
        if !Self.identityKeys.isDisjoint(with: values.keys) { try await writeIdentityBackup() }
    }

    public func setValue(_ key: String, _ value: String?) async throws { try await setValues([key: value]) }

    /// ACS's "latest sequence number" (protocol.md §4.7): -1 until a payload or manifest raised it.
    public func sequenceNumber() async throws -> Int64 { Int64(try await value("acsSequenceNumber") ?? "") ?? -1 }
    public func setSequenceNumber(_ n: Int64) async throws { try await setValue("acsSequenceNumber", String(n)) }

    var backupPath: String? {
        guard let path, let slash = path.lastIndex(of: "/") else { return nil }
        return path[..<slash] + "/identity.backup"
    }

    private func writeIdentityBackup() async throws {
        guard let backupPath else { return }
        var lines: [String] = []
        for key in Self.identityKeys.sorted() {
            if let v = try await value(key) { lines.append("\(key)=\(v)") }
        }
        do { try PosixFile.atomicWrite(backupPath, lines.joined(separator: "\n") + "\n") } catch { throw Failure.io(error.description) }
    }

    private func restoreIdentityFromBackup() async throws {
        guard let backupPath, let text = PosixFile.read(backupPath).text else { return }
        var values: [String: String?] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq])
            if Self.identityKeys.contains(key) { values[key] = String(line[line.index(after: eq)...]) }
        }
        logger.notice("identity restored from backup", metadata: ["containerInstanceArn": "\(values["containerInstanceArn"].flatMap { $0 } ?? "none")"])
        try await setValues(values)
    }

    // MARK: state-change outbox

    /// Appends a change for `taskArn`; durable when this returns.
    @discardableResult
    public func appendStateChange(taskArn: String, body: String) async throws -> Int64 {
        try await transaction {
            _ = try await connection.query("INSERT INTO state_changes (task_arn, body, recorded_at) VALUES (?, ?, ?)",
                                           [.text(taskArn), .text(body), .float(Date().timeIntervalSince1970)])
            return Int64(try await connection.query("SELECT last_insert_rowid() AS id", []).first?.column("id")?.integer ?? 0)
        }
    }

    /// Every change not yet accepted, oldest first.
    public func pendingStateChanges() async throws -> [PendingChange] {
        try await connection.query("SELECT id, task_arn, body, recorded_at FROM state_changes ORDER BY id", []).compactMap { row in
            guard let id = row.column("id")?.integer, let arn = row.column("task_arn")?.string, let body = row.column("body")?.string else { return nil }
            return PendingChange(id: Int64(id), taskArn: arn, body: body, recordedAt: row.column("recorded_at")?.double ?? 0)
        }
    }

    public func removeStateChange(id: Int64) async throws {
        try await transaction {
            _ = try await connection.query("DELETE FROM state_changes WHERE id = ?", [.integer(Int(id))])
        }
    }

    // MARK: tasks from ACS

    public func saveTask(arn: String, desiredStatus: String, body: String) async throws {
        try await transaction {
            _ = try await connection.query(
                "INSERT INTO acs_tasks (arn, desired_status, body, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(arn) DO UPDATE SET desired_status = excluded.desired_status, body = excluded.body, updated_at = excluded.updated_at",
                [.text(arn), .text(desiredStatus), .text(body), .float(Date().timeIntervalSince1970)])
        }
    }

    public func tasks() async throws -> [StoredTask] {
        try await connection.query("SELECT arn, desired_status, body FROM acs_tasks ORDER BY rowid", []).compactMap { row in
            guard let arn = row.column("arn")?.string, let desired = row.column("desired_status")?.string, let body = row.column("body")?.string else { return nil }
            return StoredTask(arn: arn, desiredStatus: desired, body: body)
        }
    }

    // MARK: task engine records

    /// Saves the engine's record of a task and appends `changes` to the outbox in one
    /// transaction: a change is in the outbox exactly when the record that says it was
    /// reported is on disk.
    public func saveEngineTask(arn: String, body: String, changes: [String]) async throws {
        // One statement, its own transaction; the gate keeps it out of another caller's open
        // BEGIN...COMMIT on the shared connection.
        await transactions.enter()
        defer { transactions.leave() }
        _ = try await connection.query("INSERT INTO engine_saves (arn, body, changes, at) VALUES (?, ?, ?, ?)",
                                       [.text(arn), .text(body), .text(Self.jsonArray(of: changes)), .float(Date().timeIntervalSince1970)])
    }

    /// A JSON array of strings, for `json_each` in the save trigger.
    static func jsonArray(of texts: [String]) -> String {
        var out = "["
        for (i, text) in texts.enumerated() {
            if i > 0 { out += "," }
            out += "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where scalar.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                default: out.unicodeScalars.append(scalar)
                }
            }
            out += "\""
        }
        return out + "]"
    }

    /// Forgets a cleaned-up task: its engine record and the payload ACS sent.
    public func deleteEngineTask(arn: String) async throws {
        try await transaction {
            _ = try await connection.query("DELETE FROM engine_tasks WHERE arn = ?", [.text(arn)])
            _ = try await connection.query("DELETE FROM acs_tasks WHERE arn = ?", [.text(arn)])
        }
    }

    // MARK: log shipping cursors

    /// A container's shipping cursor (JSON text), nil when none was saved.
    public func logCursor(containerID: String) async throws -> String? {
        try await connection.query("SELECT body FROM log_cursors WHERE container_id = ?", [.text(containerID)]).first?.column("body")?.string
    }

    /// One statement: saved after every batch CloudWatch accepts.
    public func saveLogCursor(containerID: String, body: String) async throws {
        _ = try await connection.query(
            "INSERT INTO log_cursors (container_id, body, updated_at) VALUES (?, ?, ?) ON CONFLICT(container_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            [.text(containerID), .text(body), .float(Date().timeIntervalSince1970)])
    }

    public func removeLogCursor(containerID: String) async throws {
        _ = try await connection.query("DELETE FROM log_cursors WHERE container_id = ?", [.text(containerID)])
    }

    /// Every engine record (JSON text), oldest first.
    public func engineTasks() async throws -> [String] {
        try await connection.query("SELECT body FROM engine_tasks ORDER BY rowid", []).compactMap { $0.column("body")?.string }
    }

    /// How many changes for `taskArn` wait in the outbox.
    public func pendingStateChangeCount(taskArn: String) async throws -> Int {
        try await connection.query("SELECT COUNT(*) AS n FROM state_changes WHERE task_arn = ?", [.text(taskArn)]).first?.column("n")?.integer ?? 0
    }

    public func close() async {
        guard !closed else { return }
        closed = true
        try? await connection.close()
    }
}
