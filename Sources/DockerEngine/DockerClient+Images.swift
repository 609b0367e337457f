#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

extension DockerClient {
    /// `POST /images/create`: pulls `reference`, reporting each progress message to `progress`.
    ///
    /// Docker reports most pull failures inside a 200 answer; they become `.stream` errors whose
    /// operation names the registry. A pull whose progress is silent for
    /// `timeouts.pullInactivity` is abandoned with `.timeout`.
    public func pullImage(
        _ reference: String, credentials: RegistryCredentials? = nil,
        progress: @escaping @Sendable (PullProgress) -> Void = { _ in }
    ) async throws {
        let ref = ImageReference(reference)
        let op = "pull \(ref.description) from registry \(ref.registry)"
        var request = Request(method: .POST, path: "/images/create", query: [("fromImage", ref.repository), ("tag", ref.tag)])
        if let credentials {
            let auth = #"{"username":"\#(jsonEscape(credentials.username))","password":"\#(jsonEscape(credentials.password))","serveraddress":"\#(jsonEscape(credentials.serverAddress))"}"#
            request.headers.append(("X-Registry-Auth", Base64.encode(Array(auth.utf8), urlSafe: true)))
        }
        let finalRequest = request
        let inactivity = timeouts.pullInactivity
        let lastActivity = ActivityClock()
        let maximumDocument = limits.streamDocument
        try await withDeadline(timeouts.pull, operation: op) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let response = try await self.open(finalRequest, operation: op, headTimeout: self.timeouts.streamHead)
                    var splitter = JSONStreamSplitter(maximumDocument: maximumDocument)
                    do {
                        for try await chunk in response.body {
                            lastActivity.touch()
                            for document in try splitter.push(chunk.readableBytesView) {
                                guard let message = try? JSONDecoder().decode(PullProgress.self, from: Data(document)) else { continue }
                                if let error = message.errorDetail?.message ?? message.error {
                                    throw DockerError.stream(operation: op, message: error)
                                }
                                progress(message)
                            }
                        }
                    } catch let e as JSONStreamSplitter.Failure {
                        _ = e
                        throw DockerError.bodyTooLarge(operation: op, limit: maximumDocument)
                    } catch {
                        throw self.map(error, operation: op, timeout: inactivity)
                    }
                }
                group.addTask {
                    while true {
                        try await Task.sleep(for: .milliseconds(500))
                        let idle = lastActivity.idle
                        if idle > inactivity { throw DockerError.timeout(operation: op + " (no progress)", after: inactivity) }
                    }
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        }
    }

    /// `GET /images/{name}/json`.
    public func inspectImage(_ reference: String) async throws -> ImageInspect {
        let op = "inspect image \(reference)"
        let (_, data) = try await send(Request(method: .GET, path: "/images/\(reference)/json"), operation: op, timeout: timeouts.quick)
        return try decode(ImageInspect.self, from: data, operation: op)
    }

    /// `GET /images/json`.
    public func listImages(filters: DockerFilters = .init()) async throws -> [ImageSummary] {
        let op = "list images"
        var query: [(String, String)] = []
        if !filters.values.isEmpty { query.append(("filters", filters.json)) }
        let (_, data) = try await send(Request(method: .GET, path: "/images/json", query: query), operation: op, timeout: timeouts.quick)
        return try decode([ImageSummary].self, from: data, operation: op)
    }

    /// `DELETE /images/{name}`.
    public func removeImage(_ reference: String, force: Bool = false) async throws {
        _ = try await send(Request(method: .DELETE, path: "/images/\(reference)", query: [("force", force ? "1" : "0")]),
                           operation: "remove image \(reference)", timeout: timeouts.quick)
    }
}


/// When a stream last made progress; shared by the reader and its inactivity watchdog.
final class ActivityClock: Sendable {
    private let last = Mutex(ContinuousClock.now)
    func touch() { last.withLock { $0 = .now } }
    var idle: Duration { ContinuousClock.now - last.withLock { $0 } }
}
