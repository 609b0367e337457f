#if canImport(Glibc)
import Glibc
#endif
public import AWSSupport
public import ECSModel
import Logging

/// A container's output, as the shipper reads it.
public protocol ContainerLogSource: Sendable {
    /// Follows the output from `since` (nanoseconds since the epoch, inclusive; 0 for all),
    /// handing each entry to `deliver` and reading no further until it returns; returns when
    /// the container has stopped and all its output was delivered. Throws `ContainerGone` when
    /// there is no such container.
    func follow(containerID: String, since: Int64, deliver: @escaping @Sendable (LogEntry) async -> Void) async throws
}

/// The container no longer exists (removed behind the agent's back): its output went with it.
public struct ContainerGone: Error, Sendable {
    public init() {}
}

/// Where shipping cursors are kept (SQLite in the agent).
public protocol LogCursorStore: Sendable {
    func loadCursor(_ containerID: String) async -> LogCursor?
    func saveCursor(_ containerID: String, _ cursor: LogCursor) async throws
    func removeCursor(_ containerID: String) async
}

/// What one container's shipping needs.
public struct ShippingTarget: Sendable {
    public var containerID: String
    public var containerName: String
    public var taskArn: String
    public var group: String
    public var stream: String
    public var region: String
    public var endpoint: String
    public var createGroup: Bool
    /// Starts a new event (awslogs-multiline-pattern, or the awslogs-datetime-format's pattern).
    public var eventStartPattern: String?

    public init(containerID: String, containerName: String, taskArn: String, options: AwslogsOptions, region: String, endpoint: String) {
        self.containerID = containerID
        self.containerName = containerName
        self.taskArn = taskArn
        group = options.group
        stream = options.stream(containerName: containerName, taskArn: taskArn, dockerID: containerID)
        self.region = region
        self.endpoint = endpoint
        createGroup = options.createGroup
        eventStartPattern = options.multilinePattern ?? options.datetimeFormat.map(DatetimeFormat.pattern)
    }
}

public struct ShippingSettings: Sendable {
    /// A batch that is not full is sent this long after its first event (Docker's driver: 5 s).
    public var publishInterval: Duration = .seconds(5)
    /// Bytes read ahead of the shipper.
    public var readAhead = 2 << 20
    public var retry = Backoff(initial: .seconds(1), maximum: .seconds(30), multiplier: 2, jitter: 0.2)
    /// For refused credentials and access: they may arrive or be fixed, but not in a second.
    public var refusedRetry = Backoff(initial: .seconds(5), maximum: .seconds(300), multiplier: 2, jitter: 0.2)
    /// How often a failure that goes on is logged again.
    public var failureLogEvery: Duration = .seconds(60)
    public var cursorWindow: Int64 = 1_000_000_000
    public init() {}
}

/// Ships one container's output: reads it from the cursor, assembles events, batches them, puts
/// each batch until CloudWatch accepts it, then saves the cursor. Nothing is acknowledged
/// before it is accepted, so a crash at any point ships again at most the batch in flight.
struct ContainerShipper {
    let target: ShippingTarget
    let source: any ContainerLogSource
    let api: any LogsAPI
    let store: any LogCursorStore
    let settings: ShippingSettings
    let logger: Logger
    let progress: @Sendable (LogCursor, String?) -> Void

    /// Shipping stalled and the read was given up: read again from the cursor.
    struct Reopen: Error {}

    /// Until the output ends (returns) or the task is cancelled.
    func run() async {
        var backoff = settings.retry
        var ensured = false
        while !Task.isCancelled {
            let cursor = await store.loadCursor(target.containerID) ?? .start
            do {
                try await session(from: cursor, ensured: &ensured)
                return
            } catch is CancellationError {
                return
            } catch is Reopen {
                backoff.reset()
                continue
            } catch is ContainerGone {
                logger.warning("the container is gone; what it wrote since the last shipped line went with it",
                               metadata: ["shippedEvents": "\(cursor.shipped)"])
                return
            } catch {
                let delay = backoff.next()
                logger.warning("reading the container's output failed; reading again from the last shipped line",
                               metadata: ["error": "\(error)", "retryInSeconds": "\(Double(Int((delay.seconds * 10).rounded(.up))) / 10)"])
                progress(cursor, "\(error)")
                try? await Task.sleep(for: delay)
            }
        }
    }

    func session(from cursor: LogCursor, ensured: inout Bool) async throws {
        let queue = EntryQueue(capacity: settings.readAhead)
        let (source, id) = (self.source, target.containerID)
        let reader = Task {
            do {
                try await source.follow(containerID: id, since: cursor.since) { entry in await queue.push(entry) }
                queue.finish()
            } catch {
                queue.finish(error)
            }
        }
        defer { reader.cancel() }

        var tracker = CursorTracker(resumingFrom: cursor, window: settings.cursorWindow)
        var filter = ResumeFilter(cursor)
        var assembler = EventAssembler(startsEvent: try target.eventStartPattern.map { try Regex($0) })
        var builder = BatchBuilder()
        var duplicates = DuplicateFilter()
        let publishMs = Int64(settings.publishInterval.seconds * 1000)
        while true {
            let wait: Duration? = builder.openedAt.map { max(.zero, $0 + settings.publishInterval - .now) }
                ?? (assembler.oldestPending != nil ? settings.publishInterval : nil)
            switch await queue.next(timeout: wait) {
            case .entries(let entries):
                let now = Int64(Clock.epochMilliseconds()) * 1_000_000
                for entry in entries {
                    // Before anything counts it: a resumed read gets no such copies.
                    if duplicates.isDuplicate(entry, now: now) { continue }
                    let (verdict, isNew) = filter.classify(entry.timestamp)
                    let seq = tracker.read(timestamp: entry.timestamp)
                    if verdict == .gap {
                        tracker.countGap()
                        logger.error("lines were rotated out of Docker's log before they could be shipped",
                                     metadata: ["shippedUpTo": "\(cursor.newest)", "nextAvailable": "\(entry.timestamp)", "gaps": "\(tracker.cursor.gaps)"])
                    }
                    guard isNew else { continue }
                    for event in assembler.push(entry, seq: seq) {
                        if let batch = builder.add(event) { try await ship(batch, tracker: &tracker, ensured: &ensured, reader: reader) }
                    }
                }
            case .timeout:
                let now = Int64(Clock.epochMilliseconds())
                for event in assembler.flush(olderThan: publishMs, now: now, lastSeq: tracker.lastSeq) {
                    if let batch = builder.add(event) { try await ship(batch, tracker: &tracker, ensured: &ensured, reader: reader) }
                }
                if let opened = builder.openedAt, opened + settings.publishInterval <= .now, let batch = builder.drain() {
                    try await ship(batch, tracker: &tracker, ensured: &ensured, reader: reader)
                }
            case .end:
                for event in assembler.finish(lastSeq: tracker.lastSeq) {
                    if let batch = builder.add(event) { try await ship(batch, tracker: &tracker, ensured: &ensured, reader: reader) }
                }
                if let batch = builder.drain() { try await ship(batch, tracker: &tracker, ensured: &ensured, reader: reader) }
                if duplicates.dropped > 0 || duplicates.keptOutOfOrder > 0 {
                    logger.notice("entries Docker sent twice were dropped", metadata: [
                        "dropped": "\(duplicates.dropped)", "keptOutOfOrder": "\(duplicates.keptOutOfOrder)", "entries": "\(tracker.lastSeq + 1)"])
                }
                return
            case .failed(let error):
                throw error
            }
            try Task.checkCancellation()
        }
    }

    /// Puts `batch` until it is accepted (or refused for its content), then saves the cursor.
    /// While it fails, the reader is stopped: Docker's files hold the lines, and reading again
    /// from the cursor afterwards notices any that rotated away meanwhile (a reader held open
    /// would skip them silently); `Reopen` is thrown once the batch is in.
    func ship(_ batch: LogBatch, tracker: inout CursorTracker, ensured: inout Bool, reader: Task<Void, Never>) async throws {
        var backoff = settings.retry, refusedBackoff = settings.refusedRetry
        var failingSince: ContinuousClock.Instant?
        var notFoundStreak = 0
        var lastLogged: ContinuousClock.Instant?
        var rejected = 0
        while true {
            try Task.checkCancellation()
            do {
                if !ensured {
                    try await ensureStream()
                    ensured = true
                }
                rejected = try await api.putLogEvents(group: target.group, stream: target.stream, events: batch.events)
                break
            } catch {
                let delay: Duration
                switch error {
                case .notFound:
                    // Create the stream (and group) and send again at once; a stream that
                    // stays missing right after it was made is waited for like a refusal.
                    ensured = false
                    notFoundStreak += 1
                    guard notFoundStreak > 2 else { continue }
                    delay = refusedBackoff.next()
                case .invalidBatch(let message):
                    delay = .zero
                    rejected = batch.events.count
                    logger.error("CloudWatch Logs refused a batch; its events are counted as rejected",
                                 metadata: ["events": "\(batch.events.count)", "error": "\(message)"])
                case .transient:
                    delay = backoff.next()
                case .refused:
                    delay = refusedBackoff.next()
                }
                if case .invalidBatch = error { break }
                let now = ContinuousClock.now
                if failingSince == nil {
                    failingSince = now
                    reader.cancel()
                }
                if lastLogged == nil || now - lastLogged! >= settings.failureLogEvery {
                    lastLogged = now
                    logger.warning("shipping to CloudWatch Logs is failing; the lines wait in Docker's log",
                                   metadata: ["error": "\(error)", "failingForSeconds": "\(Int((now - failingSince!).seconds))",
                                              "retryInSeconds": "\(Double(Int((delay.seconds * 10).rounded(.up))) / 10)"])
                    progress(tracker.cursor, error.description)
                }
                try await Task.sleep(for: delay)
            }
        }
        if rejected > 0 && rejected < batch.events.count {
            logger.warning("CloudWatch Logs refused events as too old, too new or expired", metadata: ["events": "\(rejected)"])
        }
        if let since = failingSince {
            logger.notice("shipping to CloudWatch Logs resumed", metadata: ["afterSeconds": "\(Int((ContinuousClock.now - since).seconds))"])
        }
        let cursor = tracker.commit(through: batch.through, events: batch.events.count - rejected, rejected: rejected)
        do {
            try await store.saveCursor(target.containerID, cursor)
        } catch {
            logger.error("shipping cursor not saved; a restart now would ship this batch again", metadata: ["error": "\(error)"])
        }
        progress(cursor, nil)
        if reader.isCancelled { throw Reopen() }
    }

    func ensureStream() async throws(LogsAPIError) {
        do {
            try await api.createLogStream(group: target.group, stream: target.stream)
        } catch .notFound(let message) {
            guard target.createGroup else {
                throw .refused("log group \(target.group) does not exist and awslogs-create-group is not true: \(message)")
            }
            try await api.createLogGroup(target.group)
            try await api.createLogStream(group: target.group, stream: target.stream)
        }
    }
}

enum Clock {
    static func epochMilliseconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return ts.tv_sec * 1000 + ts.tv_nsec / 1_000_000
    }
}
