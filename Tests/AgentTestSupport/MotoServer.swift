import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// moto_server (PyPI `moto`, on every machine with awscli) on a free loopback port: STS,
/// CloudWatch Logs, SSM and Secrets Manager for tests.
public final class MotoServer: @unchecked Sendable {
    public let process = Process()
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    /// On `port` (a moto_server started again where a stopped one listened), or a free one.
    public init(port: Int? = nil) throws {
        if let port { self.port = port } else { self.port = try MotoServer.freePort() }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["moto_server", "-H", "127.0.0.1", "-p", String(self.port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
    }

    public func start() async throws {
        try process.run()
        try await eventually(timeout: .seconds(30), "moto_server on port \(port)") {
            guard process.isRunning else { throw FixtureError("moto_server exited; is PyPI moto installed? (scripts/setup-host installs it)") }
            return MotoServer.accepts(port: port)
        }
    }

    /// SIGTERM, then SIGKILL after two seconds: moto_server does not always stop on SIGTERM.
    /// Waits with Task.sleep: a blocking wait would hold one of Swift concurrency's few
    /// threads, and other tests' deadlines would fire late.
    public func stop() async {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        await waitForExit(process, limit: .seconds(2))
        if process.isRunning { kill(pid, SIGKILL) }
        await waitForExit(process, limit: .seconds(30))
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// Whether something accepts TCP connections on the loopback port.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        guard bound == 0 else { throw FixtureError("cannot bind a loopback port") }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
