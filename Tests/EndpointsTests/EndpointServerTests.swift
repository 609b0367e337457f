import AgentTestSupport
@testable import Endpoints
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The listener itself: real sockets on loopback, raw bytes in, HTTP out.
@Suite struct EndpointServerTests {
    /// One connection: send `bytes`, read until the peer closes or 2 s pass.
    static func exchange(port: Int, _ bytes: [UInt8]) -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else { return "" }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(fd, Int32(SHUT_WR))
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func rawAndMalformedRequestsNeverStopTheListenerAndGetSpecifiedStatuses() async throws {
        let s = try Fixture.sources()
        let api = TaskMetadataAPI(sources: s.endpoints, limiter: nil, audit: { _ in }, now: { 1 })
        let port = Mutex<Int?>(nil)
        var logger = Logger(label: "test.endpoints")
        logger.logLevel = .critical
        let server = EndpointServer(name: "task-metadata", host: "127.0.0.1", port: 0, logger: logger,
                                    onListening: { p in port.withLock { $0 = p } }, handle: { await api.respond($0) })
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: logger))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        try await eventually(timeout: .seconds(30), "listening") { port.withLock { $0 } != nil }
        let p = port.withLock { $0 }!

        let ok = try await Subprocess.runDetached { Self.exchange(port: p, Array("GET /v4/\(Fixture.endpointID) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)) }
        #expect(ok.hasPrefix("HTTP/1.1 200 OK"), "\(ok.prefix(200))")
        #expect(ok.contains("\r\n\r\n" + EndpointGoldenTests.v4Container) || ok.contains(EndpointGoldenTests.v4Container))

        var g = SeededGenerator(seed: 7)
        let statuses = Mutex<[String]>([])
        for i in 0..<300 {
            var request: [UInt8]
            switch i % 3 {
            case 0:
                let r = EndpointFuzzTests.randomRequest(&g)
                let target = (r.path.hasPrefix("/") ? r.path : "/" + r.path).replacingOccurrences(of: " ", with: "%20") + (r.query.map { "?" + $0 } ?? "")
                request = Array("\(r.method) \(target) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
            case 1:
                request = (0..<Int.random(in: 1...200, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
            default:
                request = Array("GET /v3/\(Fixture.endpointID)/task HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8)
            }
            let bytes = request
            let reply = try await Subprocess.runDetached { Self.exchange(port: p, bytes) }
            if let line = reply.split(separator: "\r\n").first { statuses.withLock { $0.append(String(line)) } }
        }
        let seen = Set(statuses.withLock { $0 }.compactMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } })
        #expect(seen.isSubset(of: [200, 301, 400, 404, 405, 500, 503]), "\(seen)")
        let after = try await Subprocess.runDetached { Self.exchange(port: p, Array("GET /v4/\(Fixture.endpointID)/task HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)) }
        #expect(after.hasPrefix("HTTP/1.1 200 OK"), "still serving after the fuzz")
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }
}
