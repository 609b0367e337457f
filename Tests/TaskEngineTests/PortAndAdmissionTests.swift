import ECSModel
import Foundation
import TaskEngine
import Testing

@Suite("Host ports")
struct HostPortTests {
    @Test("Dynamic ports: scanned upward from the last one given, skipping reserved, held and busy ports, wrapping at the end")
    func scan() throws {
        let busy: Set<UInt16> = [50003]
        var a = HostPortAllocator(range: 50000...50005, reservedTCP: [50001]) { port, _ in !busy.contains(port) }
        #expect(try a.allocate() == [50000])
        #expect(try a.allocate() == [50002], "50001 is reserved")
        #expect(try a.allocate() == [50004], "50003 is busy")
        #expect(try a.allocate() == [50005])
        a.release([50000])
        #expect(try a.allocate() == [50000], "wraps to the start, where a released port is free again")
        #expect(throws: PortAllocationError(description: "a host port is unavailable")) { try a.allocate() }
        // UDP has its own reservations and holds.
        #expect(try a.allocate(1, .udp) == [50000])
    }

    @Test("A container port range gets a contiguous block inside the range, or a clear error")
    func contiguous() throws {
        var a = HostPortAllocator(range: 40000...40009) { port, _ in port != 40003 }
        #expect(try a.allocate(3) == [40000, 40001, 40002])
        #expect(try a.allocate(4) == [40004, 40005, 40006, 40007], "40003 is busy, the block starts after it")
        #expect(throws: PortAllocationError(description: "3 contiguous host ports are unavailable")) { try a.allocate(3) }
        #expect(try a.allocate(2) == [40008, 40009])
        #expect(throws: PortAllocationError.self) { try a.allocate(11) }
    }

    @Test("The bind probe sees a port another process listens on as busy, and a free one as free")
    func bindProbe() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr = in_addr(s_addr: INADDR_ANY)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(fd, 1)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let port = UInt16(bigEndian: address.sin_port)
        #expect(!BindProbe.isFree(port, .tcp))
        close(fd)
        #expect(BindProbe.isFree(port, .tcp))
    }
}

@Suite("Admission")
struct AdmissionTests {
    static func task(_ json: String) throws -> ACSTask { try JSONDecoder().decode(ACSTask.self, from: Data(json.utf8)) }

    @Test("Demand: task cpu×1024 and memory when set, else per container (reservation before limit); static ports unless awsvpc")
    func demand() throws {
        let perContainer = ResourceDemand(task: try Self.task("""
            {"containers":[{"cpu":256,"memory":512,"portMappings":[{"containerPort":80,"hostPort":8080},{"containerPort":53,"hostPort":5353,"protocol":"udp"},{"containerPort":81,"hostPort":0}]},
                           {"cpu":128,"memory":1024,"dockerConfig":{"hostConfig":"{\\"MemoryReservation\\":268435456}"}}]}
            """))
        #expect(perContainer == ResourceDemand(cpu: 384, memoryMiB: 768, tcpPorts: [8080], udpPorts: [5353]))
        let taskLevel = ResourceDemand(task: try Self.task(#"{"cpu":0.5,"memory":2048,"networkMode":"awsvpc","containers":[{"cpu":1,"memory":1,"portMappings":[{"containerPort":80,"hostPort":80}]}]}"#))
        #expect(taskLevel == ResourceDemand(cpu: 512, memoryMiB: 2048))
    }

    @Test("A task that does not fit waits, and starts the moment the one holding its port stops")
    func waitsForPort() async throws {
        let queue = AdmissionQueue(capacity: ResourceDemand(cpu: 4096, memoryMiB: 4096, tcpPorts: [22]))
        let first = ResourceDemand(cpu: 256, memoryMiB: 256, tcpPorts: [8080])
        try await queue.admit("a", first)
        let second = Task { try await queue.admit("b", first) }
        try await waitUntil { await queue.queued == ["b"] }
        await queue.release("a")
        try await second.value // resumed by the release itself, not by a poll
        #expect(await queue.admitted == ["b"])
    }

    @Test("Admission is first come, first served: the head blocks smaller tasks behind it")
    func fifo() async throws {
        let queue = AdmissionQueue(capacity: ResourceDemand(cpu: 1024, memoryMiB: 1024))
        try await queue.admit("big-running", ResourceDemand(cpu: 1024, memoryMiB: 512))
        let big = Task { try await queue.admit("big-next", ResourceDemand(cpu: 1024, memoryMiB: 512)) }
        try await waitUntil { await queue.queued == ["big-next"] }
        let small = Task { try await queue.admit("small", ResourceDemand(cpu: 0, memoryMiB: 128)) }
        try await waitUntil { await queue.queued == ["big-next", "small"] }
        #expect(await queue.admitted == ["big-running"], "small fits but does not overtake")
        await queue.release("big-running")
        try await big.value
        try await small.value
        #expect(await queue.admitted == ["big-next", "small"])
    }

    @Test("A stop while queued withdraws the task; a demand the host can never meet, or a reserved port, is refused at once")
    func withdrawAndRefuse() async throws {
        let queue = AdmissionQueue(capacity: ResourceDemand(cpu: 1024, memoryMiB: 1024, tcpPorts: [22]))
        try await queue.admit("a", ResourceDemand(memoryMiB: 1024))
        let waiting = Task { try await queue.admit("b", ResourceDemand(memoryMiB: 512)) }
        try await waitUntil { await queue.queued == ["b"] }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(await queue.queued.isEmpty)
        await #expect(throws: AdmissionError.self) { try await queue.admit("huge", ResourceDemand(cpu: 2048)) }
        await #expect { try await queue.admit("ssh", ResourceDemand(tcpPorts: [22])) } throws: { "\($0)".contains("22 is reserved") }
    }

    func waitUntil(_ condition: () async -> Bool) async throws {
        for _ in 0..<2000 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("condition never held")
    }
}
