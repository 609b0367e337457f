import AsyncHTTPClient
import NIOCore
import NIOHTTP1
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Options of `GET /containers/{id}/logs`.
public struct LogOptions: Sendable {
    public var follow = false
    public var stdout = true
    public var stderr = true
    public var timestamps = false
    /// Unix seconds; only output after this.
    public var since: Int64?
    /// Only the last N lines (nil: all).
    public var tail: Int?
    public init(follow: Bool = false, timestamps: Bool = false, since: Int64? = nil, tail: Int? = nil) {
        self.follow = follow
        self.timestamps = timestamps
        self.since = since
        self.tail = tail
    }
}

extension DockerClient {
    /// One stats sample. With `oneShot` the daemon answers at once without a previous CPU
    /// sample; without it, it waits for two samples so `precpuStats` is filled.
    public func stats(_ id: String, oneShot: Bool = false) async throws -> ContainerStats {
        let op = "stats of container \(id)"
        let (_, data) = try await send(
            Request(method: .GET, path: "/containers/\(id)/stats", query: [("stream", "0"), ("one-shot", oneShot ? "1" : "0")]),
            operation: op, timeout: timeouts.quick)
        return try decode(ContainerStats.self, from: data, operation: op)
    }

    /// One stats sample as Docker wrote it (the metadata endpoints serve it re-encoded).
    public func statsJSON(_ id: String, oneShot: Bool = false) async throws -> [UInt8] {
        let (_, data) = try await send(
            Request(method: .GET, path: "/containers/\(id)/stats", query: [("stream", "0"), ("one-shot", oneShot ? "1" : "0")]),
            operation: "stats of container \(id)", timeout: timeouts.quick)
        return Array(buffer: data)
    }

    /// Streamed stats: one sample about every second until the container stops or the caller
    /// stops iterating.
    public func statsStream(_ id: String) -> AsyncThrowingStream<ContainerStats, any Error> {
        let op = "stream stats of container \(id)"
        return jsonStream(Request(method: .GET, path: "/containers/\(id)/stats", query: [("stream", "1")]), operation: op)
    }

    /// Container output, demultiplexed into stdout and stderr chunks in the order Docker sent
    /// them. `tty` must match the container's (a TTY container has one raw stream).
    public func logs(_ id: String, options: LogOptions = .init(), tty: Bool = false) -> AsyncThrowingStream<LogChunk, any Error> {
        let op = "logs of container \(id)"
        var query = [("stdout", options.stdout ? "1" : "0"), ("stderr", options.stderr ? "1" : "0"),
                     ("follow", options.follow ? "1" : "0"), ("timestamps", options.timestamps ? "1" : "0")]
        if let since = options.since { query.append(("since", String(since))) }
        if let tail = options.tail { query.append(("tail", String(tail))) }
        let request = Request(method: .GET, path: "/containers/\(id)/logs", query: query)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let response = try await self.open(request, operation: op, headTimeout: self.timeouts.streamHead)
                    var demux = LogDemultiplexer(raw: tty)
                    for try await buffer in response.body {
                        for chunk in try demux.push(buffer.readableBytesView) { continuation.yield(chunk) }
                    }
                    continuation.finish()
                } catch let e as LogDemultiplexer.Failure {
                    continuation.finish(throwing: DockerError.decoding(operation: op, reason: e.description))
                } catch {
                    continuation.finish(throwing: self.map(error, operation: op, timeout: self.timeouts.streamHead))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Follows a container's output with Docker's timestamps from `since` (`<seconds>.<nanos>`,
    /// inclusive), handing each frame to `deliver` and reading no further until it returns: a
    /// slow consumer holds Docker's reader back instead of piling output up in memory. Returns
    /// when the container has stopped and its output was delivered.
    public func followLogs(_ id: String, since: String?, tty: Bool = false, deliver: (LogChunk) async throws -> Void) async throws {
        let op = "follow logs of container \(id)"
        var query = [("stdout", "1"), ("stderr", "1"), ("follow", "1"), ("timestamps", "1")]
        if let since { query.append(("since", since)) }
        do {
            let response = try await open(Request(method: .GET, path: "/containers/\(id)/logs", query: query), operation: op, headTimeout: timeouts.streamHead)
            var demux = LogDemultiplexer(raw: tty)
            for try await buffer in response.body {
                for chunk in try demux.push(buffer.readableBytesView) { try await deliver(chunk) }
            }
        } catch let e as LogDemultiplexer.Failure {
            throw DockerError.decoding(operation: op, reason: e.description)
        } catch is CancellationError {
            throw CancellationError()
        } catch let e as DockerError {
            throw e
        } catch {
            throw map(error, operation: op, timeout: timeouts.streamHead)
        }
    }

    /// A stream of JSON documents decoded as `T`.
    func jsonStream<T: Decodable & Sendable>(_ request: Request, operation op: String) -> AsyncThrowingStream<T, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let response = try await self.open(request, operation: op, headTimeout: self.timeouts.streamHead)
                    var splitter = JSONStreamSplitter(maximumDocument: self.limits.streamDocument)
                    for try await buffer in response.body {
                        for document in try splitter.push(buffer.readableBytesView) {
                            do {
                                continuation.yield(try JSONDecoder().decode(T.self, from: Data(document)))
                            } catch {
                                throw DockerError.decoding(operation: op, reason: "\(error)")
                            }
                        }
                    }
                    continuation.finish()
                } catch is JSONStreamSplitter.Failure {
                    continuation.finish(throwing: DockerError.bodyTooLarge(operation: op, limit: self.limits.streamDocument))
                } catch {
                    continuation.finish(throwing: self.map(error, operation: op, timeout: self.timeouts.streamHead))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
