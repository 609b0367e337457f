import AsyncGate
import Synchronization
import Testing

@Suite("AsyncGate")
struct AsyncGateTests {
    /// Counts how many are inside at once, and the most ever seen.
    final class Occupancy: Sendable {
        let state = Mutex((now: 0, most: 0, order: [Int]()))
        func enter(_ i: Int) { state.withLock { $0.now += 1; $0.most = max($0.most, $0.now); $0.order.append(i) } }
        func leave() { state.withLock { $0.now -= 1 } }
    }

    @Test("Width 1: one caller inside at a time, even across suspension points")
    func mutex() async {
        let gate = AsyncGate()
        let occupancy = Occupancy()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<50 {
                group.addTask {
                    await gate.withGate {
                        occupancy.enter(i)
                        await Task.yield()
                        try? await Task.sleep(for: .microseconds(200))
                        occupancy.leave()
                    }
                }
            }
        }
        #expect(occupancy.state.withLock { $0.most } == 1)
        #expect(occupancy.state.withLock { $0.order.count } == 50)
    }

    @Test("Width 3: at most three inside, and every waiter gets in")
    func semaphore() async {
        let gate = AsyncGate(width: 3)
        let occupancy = Occupancy()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<40 {
                group.addTask {
                    await gate.withGate {
                        occupancy.enter(i)
                        try? await Task.sleep(for: .milliseconds(1))
                        occupancy.leave()
                    }
                }
            }
        }
        #expect(occupancy.state.withLock { $0.most } <= 3)
        #expect(occupancy.state.withLock { $0.order.count } == 40)
    }
}
