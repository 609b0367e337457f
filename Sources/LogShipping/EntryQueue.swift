import Synchronization

/// The hand-off between the reader of a container's output and its shipper: bounded in bytes,
/// so a shipper waiting out a CloudWatch outage stops the reader, which stops reading Docker's
/// log (the lines stay in Docker's log files, not in the agent's memory).
final class EntryQueue: Sendable {
    enum Item: Sendable {
        case entries([LogEntry])
        /// The output ended (the container stopped).
        case end
        case failed(any Error)
        case timeout
    }

    private struct State {
        var entries: [LogEntry] = []
        var bytes = 0
        var ended = false
        var failure: (any Error)?
        var consumer: CheckedContinuation<Item?, Never>?
        var producer: CheckedContinuation<Void, Never>?
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    // MARK: producer

    /// Waits while the queue holds `capacity` bytes or more.
    func push(_ entry: LogEntry) async {
        let wake: CheckedContinuation<Item?, Never>?? = state.withLock { s in
            guard s.bytes < capacity else { return nil }
            s.entries.append(entry)
            s.bytes += entry.bytes.count + 64
            defer { s.consumer = nil }
            return .some(s.consumer)
        }
        if case .some(let consumer) = wake {
            consumer?.resume(returning: takeAll())
            return
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.bytes < capacity || Task.isCancelled { return true }
                    s.producer = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            state.withLock { s in defer { s.producer = nil }; return s.producer }?.resume()
        }
        guard !Task.isCancelled else { return }
        await push(entry)
    }

    func finish(_ failure: (any Error)? = nil) {
        let consumer = state.withLock { s in
            s.ended = true
            s.failure = failure
            defer { s.consumer = nil }
            return s.consumer
        }
        consumer?.resume(returning: takeAll())
    }

    // MARK: consumer

    /// What is queued, or what comes within `timeout` (nil: as long as it takes).
    func next(timeout: Duration?) async -> Item {
        if let item = takeAll() { return item }
        guard let timeout else { return await wait() ?? .timeout }
        return await withTaskGroup(of: Item?.self) { group in
            group.addTask { await self.wait() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            var result: Item?
            while let next = await group.next() {
                if let next, case .timeout = next {} else if let next { result = next }
                group.cancelAll()
            }
            return result ?? .timeout
        }
    }

    private func wait() async -> Item? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Item?, Never>) in
                let ready = state.withLock { s -> Bool in
                    if !s.entries.isEmpty || s.ended || Task.isCancelled { return true }
                    s.consumer = c
                    return false
                }
                if ready { c.resume(returning: Task.isCancelled ? nil : takeAll()) }
            }
        } onCancel: {
            state.withLock { s in defer { s.consumer = nil }; return s.consumer }?.resume(returning: nil)
        }
    }

    private func takeAll() -> Item? {
        let (item, producer): (Item?, CheckedContinuation<Void, Never>?) = state.withLock { s in
            if !s.entries.isEmpty {
                let taken = s.entries
                s.entries = []
                s.bytes = 0
                defer { s.producer = nil }
                return (.entries(taken), s.producer)
            }
            if s.ended { return (s.failure.map { .failed($0) } ?? .end, nil) }
            return (nil, nil)
        }
        producer?.resume()
        return item
    }
}
