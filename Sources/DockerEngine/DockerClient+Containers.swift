import NIOCore
import NIOHTTP1

extension DockerClient {
    /// `POST /containers/create`. `name` makes the call idempotent for a caller that retries:
    /// a second create with the same name fails with 409 instead of making a twin.
    public func createContainer(name: String?, _ body: some Encodable & Sendable) async throws -> ContainerCreateResponse {
        let op = "create container \(name ?? "")"
        var request = Request(method: .POST, path: "/containers/create", body: try encode(body, operation: op))
        if let name { request.query = [("name", name)] }
        let (_, data) = try await send(request, operation: op, timeout: timeouts.create)
        return try decode(ContainerCreateResponse.self, from: data, operation: op)
    }

    /// `POST /containers/{id}/start`. Starting a running container is not an error.
    public func startContainer(_ id: String) async throws {
        _ = try await send(Request(method: .POST, path: "/containers/\(id)/start"),
                           operation: "start container \(id)", timeout: timeouts.start, acceptNotModified: true)
    }

    /// `POST /containers/{id}/stop?t=`: SIGTERM (or the image's STOPSIGNAL), then SIGKILL after
    /// `timeout`. Stopping a stopped container is not an error.
    public func stopContainer(_ id: String, timeout: Duration) async throws {
        let seconds = max(0, Int((timeout.nanosecondsValue + 999_999_999) / 1_000_000_000))
        _ = try await send(Request(method: .POST, path: "/containers/\(id)/stop", query: [("t", String(seconds))]),
                           operation: "stop container \(id)", timeout: timeout + timeouts.stopMargin, acceptNotModified: true)
    }

    /// `POST /containers/{id}/kill?signal=`.
    public func killContainer(_ id: String, signal: String = "SIGKILL") async throws {
        _ = try await send(Request(method: .POST, path: "/containers/\(id)/kill", query: [("signal", signal)]),
                           operation: "kill container \(id) with \(signal)", timeout: timeouts.quick)
    }

    /// `POST /containers/{id}/wait`: blocks until the container is not running (or `timeout`).
    public func waitContainer(_ id: String, condition: String = "not-running", timeout: Duration) async throws -> ContainerWaitResponse {
        let op = "wait for container \(id)"
        let (_, data) = try await send(Request(method: .POST, path: "/containers/\(id)/wait", query: [("condition", condition)]),
                                       operation: op, timeout: timeout)
        return try decode(ContainerWaitResponse.self, from: data, operation: op)
    }

    /// `DELETE /containers/{id}`, with its anonymous volumes.
    public func removeContainer(_ id: String, force: Bool = false, removeVolumes: Bool = true) async throws {
        _ = try await send(Request(method: .DELETE, path: "/containers/\(id)",
                                   query: [("v", removeVolumes ? "1" : "0"), ("force", force ? "1" : "0")]),
                           operation: "remove container \(id)", timeout: timeouts.quick)
    }

    /// `GET /containers/{id}/json`.
    public func inspectContainer(_ id: String) async throws -> ContainerInspect {
        let op = "inspect container \(id)"
        let (_, data) = try await send(Request(method: .GET, path: "/containers/\(id)/json"), operation: op, timeout: timeouts.quick)
        return try decode(ContainerInspect.self, from: data, operation: op)
    }

    /// `GET /containers/json`: every container (running or not) matching `filters`.
    public func listContainers(all: Bool = true, filters: DockerFilters = .init()) async throws -> [ContainerSummary] {
        let op = "list containers"
        var query = [("all", all ? "1" : "0")]
        if !filters.values.isEmpty { query.append(("filters", filters.json)) }
        let (_, data) = try await send(Request(method: .GET, path: "/containers/json", query: query), operation: op, timeout: timeouts.quick)
        return try decode([ContainerSummary].self, from: data, operation: op)
    }
}

extension Duration {
    var nanosecondsValue: Int64 {
        let (s, a) = components
        return s * 1_000_000_000 + a / 1_000_000_000
    }
}
