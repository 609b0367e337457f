import AgentTestSupport
import Foundation
@testable import HostSystem
import Logging
import Synchronization
import Testing

@Suite("systemd watchdog")
struct WatchdogTests {
    @Test("A health check that answers in time decides the ping; one that hangs counts as failed")
    func checkOutcomes() async {
        #expect(await WatchdogService.check({ true }, within: .seconds(5)) == .healthy)
        #expect(await WatchdogService.check({ false }, within: .seconds(5)) == .unhealthy)
        let hang: @Sendable () async -> Bool = {
            try? await Task.sleep(for: .seconds(3600))
            return true
        }
        let started = ContinuousClock.now
        #expect(await WatchdogService.check(hang, within: .milliseconds(200)) == .timedOut)
        #expect(ContinuousClock.now - started < .seconds(30), "the deadline, not the hung check, ends the round")
    }

    @Test("The watchdog is pinged only while the agent's own health check passes")
    func pingsOnlyWhenHealthy() async throws {
        let pinger = CountingPinger()
        let healthy = Atomic<Bool>(true)
        let service = WatchdogService(notifier: pinger, interval: .milliseconds(100), logger: Logger(label: "test")) {
            healthy.load(ordering: .relaxed)
        }
        let running = Task { try await service.run() }
        defer { running.cancel() }

        try await eventually("a first ping") { pinger.count >= 2 }
        healthy.store(false, ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(200))  // a round already past its check may still ping
        let frozen = pinger.count
        try await Task.sleep(for: .milliseconds(500))  // ten rounds
        #expect(pinger.count == frozen, "a failing check sends no ping")
        healthy.store(true, ordering: .relaxed)
        try await eventually("pings resume once the check passes") { pinger.count > frozen }
    }
}

/// Counts pings instead of sending them to systemd.
final class CountingPinger: WatchdogPinging {
    let pings = Atomic<Int>(0)
    func watchdog() -> Bool {
        pings.add(1, ordering: .relaxed)
        return true
    }
    var count: Int { pings.load(ordering: .relaxed) }
}
