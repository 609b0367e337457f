import Logging
import NIOCore
import SQLiteNIO

/// ecs-local's state on disk: one SQLite database (WAL) holding each record as a JSON
/// document, keyed by kind and ARN, plus a few counters. Every API call that changes state
/// writes all it changed in one transaction before it answers.
actor Store {
    enum Kind: String, CaseIterable, Sendable {
        case cluster, taskDefinition, containerInstance, task, outbox, inactiveInstance, service
    }

    struct Change: Sendable {
        var puts: [(Kind, String, String)] = []
        var deletes: [(Kind, String)] = []
        var counters: [(String, Int64)] = []
        var isEmpty: Bool { puts.isEmpty && deletes.isEmpty && counters.isEmpty }
    }

    private let connection: SQLiteConnection
    private var closed = false

    private init(connection: SQLiteConnection) {
        self.connection = connection
    }

    /// Opens (creating if needed) the database at `path`; `nil` keeps it in memory.
    static func open(path: String?, reset: Bool, logger: Logger) async throws -> Store {
        let storage: SQLiteConnection.Storage = path.map { .file(path: $0) } ?? .memory
        let connection = try await SQLiteConnection.open(storage: storage, logger: logger)
        let store = Store(connection: connection)
        try await store.migrate(reset: reset)
        return store
    }

    private func migrate(reset: Bool) async throws {
        _ = try await connection.query("PRAGMA journal_mode=WAL", [])
        _ = try await connection.query("PRAGMA synchronous=FULL", [])
        if reset {
            _ = try await connection.query("DROP TABLE IF EXISTS documents", [])
            _ = try await connection.query("DROP TABLE IF EXISTS counters", [])
        }
        _ = try await connection.query("CREATE TABLE IF NOT EXISTS documents (kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, id))", [])
        _ = try await connection.query("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)", [])
    }

    func documents(_ kind: Kind) async throws -> [(String, String)] {
        let rows = try await connection.query("SELECT id, body FROM documents WHERE kind = ? ORDER BY rowid", [.text(kind.rawValue)])
        return rows.compactMap { row in
            guard let id = row.column("id")?.string, let body = row.column("body")?.string else { return nil }
            return (id, body)
        }
    }

    func counters() async throws -> [String: Int64] {
        let rows = try await connection.query("SELECT name, value FROM counters", [])
        var out: [String: Int64] = [:]
        for row in rows {
            if let name = row.column("name")?.string, let value = row.column("value")?.integer { out[name] = Int64(value) }
        }
        return out
    }

    /// Applies a change atomically.
    func apply(_ change: Change) async throws {
        guard !change.isEmpty else { return }
        _ = try await connection.query("BEGIN IMMEDIATE", [])
        do {
            for (kind, id, body) in change.puts {
                _ = try await connection.query(
                    "INSERT INTO documents (kind, id, body) VALUES (?, ?, ?) ON CONFLICT(kind, id) DO UPDATE SET body = excluded.body",
                    [.text(kind.rawValue), .text(id), .text(body)])
            }
            for (kind, id) in change.deletes {
                _ = try await connection.query("DELETE FROM documents WHERE kind = ? AND id = ?", [.text(kind.rawValue), .text(id)])
            }
            for (name, value) in change.counters {
                _ = try await connection.query(
                    "INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                    [.text(name), .integer(Int(value))])
            }
            _ = try await connection.query("COMMIT", [])
        } catch {
            _ = try? await connection.query("ROLLBACK", [])
            throw error
        }
    }

    /// Closes the database; further calls fail. Closing twice is harmless.
    func close() async {
        guard !closed else { return }
        closed = true
        try? await connection.close()
    }
}
