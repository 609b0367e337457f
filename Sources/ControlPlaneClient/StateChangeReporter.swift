public import AWSSupport
public import ECSModel
public import Logging
public import ServiceLifecycle
public import StateStore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Sends task state changes to the control plane (SubmitTaskStateChange), in order per task,
/// none lost: `record` writes the change to the state store before it returns, and a change
/// leaves the store only once the control plane accepted it. Pending changes from an earlier
/// run (a crash, an outage) are sent first, on start.
///
/// Transient failures (throttling, 5xx, no answer) are retried with backoff for up to a day,
/// as the Go agent's one-day retrier does; a change the control plane refuses outright
/// (e.g. an unknown task) is logged and dropped, so it cannot block the task's later changes.
public actor StateChangeReporter: Service {
    public struct Timing: Sendable {
        public var backoff = Backoff(initial: .seconds(1), maximum: .seconds(30), multiplier: 1.3, jitter: 0.2)
        public var giveUpAfter: Duration = .seconds(24 * 3600)
        public var concurrentTasks = 10
        public init() {}
    }

    let api: any ECSAPI
    let store: AgentStateStore
    let timing: Timing
    let logger: Logger
    private let wake: AsyncStream<Void>.Continuation
    private let wakeups: AsyncStream<Void>
    private(set) public var sent = 0

    public init(api: any ECSAPI, store: AgentStateStore, timing: Timing = .init(), logger: Logger) {
        self.api = api
        self.store = store
        self.timing = timing
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Makes `change` durable and queues it; returns once it is on disk.
    public func record(_ change: TaskStateChangeRequest) async throws {
        guard let arn = change.task else { return }
        let body = try JSONValue.encode(change).jsonText
        let id = try await store.appendStateChange(taskArn: arn, body: body)
        logger.debug("state change recorded", metadata: ["taskArn": "\(arn)", "status": "\(change.status ?? "")", "id": "\(id)"])
        wake.yield()
    }

    /// Changes were appended to the outbox by someone else (the task engine, in the same
    /// transaction as its record): send them.
    public nonisolated func changesRecorded() { wake.yield() }

    public nonisolated func run() async throws {
        do { try await cancelWhenGracefulShutdown { try await self.loop() } } catch is CancellationError {}
    }

    private func loop() async throws {
        var backoff = timing.backoff
        var iterator = wakeups.makeAsyncIterator()
        while !Task.isCancelled {
            let pending = try await store.pendingStateChanges()
            if pending.isEmpty {
                guard await iterator.next() != nil else { return }
                continue
            }
            if await sendRound(pending) {
                backoff.reset()
            } else {
                try await Task.sleep(for: backoff.next())
            }
        }
    }

    /// Sends every task's queue, up to `concurrentTasks` tasks at a time, each in order; a
    /// task stops at its first transient failure. Returns false when any change must wait.
    private func sendRound(_ pending: [AgentStateStore.PendingChange]) async -> Bool {
        var queues: [String: [AgentStateStore.PendingChange]] = [:]
        var order: [String] = []
        for change in pending {
            if queues[change.taskArn] == nil { order.append(change.taskArn) }
            queues[change.taskArn, default: []].append(change)
        }
        var allSent = true
        for start in stride(from: 0, to: order.count, by: timing.concurrentTasks) {
            let batch = order[start..<min(order.count, start + timing.concurrentTasks)].map { queues[$0]! }
            let (api, store, timing, logger) = (api, store, timing, logger)
            let results = await withTaskGroup(of: (Bool, Int).self) { group in
                for queue in batch { group.addTask { await Self.send(queue, api: api, store: store, timing: timing, logger: logger) } }
                var out: [(Bool, Int)] = []
                for await r in group { out.append(r) }
                return out
            }
            sent += results.reduce(0) { $0 + $1.1 }
            if results.contains(where: { !$0.0 }) { allSent = false }
        }
        return allSent
    }

    private static func send(_ queue: [AgentStateStore.PendingChange], api: any ECSAPI, store: AgentStateStore, timing: Timing,
                             logger: Logger) async -> (Bool, Int) {
        var sent = 0
        for change in queue {
            guard let input = JSONValue.parse(change.body) else {
                logger.error("unreadable state change dropped", metadata: ["taskArn": "\(change.taskArn)", "id": "\(change.id)"])
                try? await store.removeStateChange(id: change.id)
                continue
            }
            do {
                _ = try await api.submitTaskStateChange(input)
                try await store.removeStateChange(id: change.id)
                sent += 1
                logger.info("task state change sent", metadata: ["taskArn": "\(change.taskArn)", "status": "\(input["status"]?.stringValue ?? "")"])
            } catch let error as AWSJSONClient.CallError {
                let age = Date().timeIntervalSince1970 - change.recordedAt
                if error.isTransient && age < timing.giveUpAfter.seconds {
                    logger.warning("task state change not sent yet; will retry", metadata: ["taskArn": "\(change.taskArn)", "error": "\(error)"])
                    return (false, sent)
                }
                logger.error("task state change refused; dropped", metadata: ["taskArn": "\(change.taskArn)", "error": "\(error)", "ageSeconds": "\(Int(age))"])
                try? await store.removeStateChange(id: change.id)
            } catch {
                logger.error("state store failed while sending", metadata: ["error": "\(error)"])
                return (false, sent)
            }
        }
        return (true, sent)
    }
}
