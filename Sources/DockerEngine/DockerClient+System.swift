import NIOCore
import NIOHTTP1

extension DockerClient {
    /// `GET /_ping`: the daemon answers; returns the API version it advertises.
    @discardableResult
    public func ping() async throws -> APIVersion? {
        let op = "ping"
        let request = makeRequest(Request(method: .GET, path: "/_ping", versioned: false))
        let timeout = timeouts.quick
        return try await withDeadline(timeout, operation: op) { [http, logger] in
            let response: HTTPClientResponseLike
            do {
                let r = try await http.execute(request, deadline: .now() + .init(timeout), logger: logger)
                response = HTTPClientResponseLike(status: Int(r.status.code), apiVersion: r.headers.first(name: "Api-Version"))
                _ = try await r.body.collect(upTo: 1024)
                guard response.status == 200 else { throw DockerError.http(operation: op, status: response.status, message: "ping failed") }
            } catch {
                throw self.map(error, operation: op, timeout: timeout)
            }
            return response.apiVersion.flatMap(APIVersion.init)
        }
    }

    /// `GET /version`.
    public func version() async throws -> DockerVersion {
        let op = "version"
        let (_, body) = try await send(Request(method: .GET, path: "/version", versioned: apiVersion != nil), operation: op, timeout: timeouts.quick)
        return try decode(DockerVersion.self, from: body, operation: op)
    }

    /// `GET /info`.
    public func info() async throws -> DockerInfo {
        let op = "info"
        let (_, body) = try await send(Request(method: .GET, path: "/info"), operation: op, timeout: timeouts.quick)
        return try decode(DockerInfo.self, from: body, operation: op)
    }

    /// Agrees on an API version: the daemon's, capped at the newest this client asks for.
    /// Fails with `.unsupportedAPIVersion` when the daemon is older than the oldest we speak.
    @discardableResult
    public func negotiateVersion() async throws -> APIVersion {
        let version = try await self.version()
        guard let server = APIVersion(version.apiVersion) else {
            throw DockerError.decoding(operation: "version", reason: "ApiVersion \"\(version.apiVersion)\" is not a version")
        }
        if server < Self.minimumAPIVersion {
            throw DockerError.unsupportedAPIVersion(server: server.description, minimum: Self.minimumAPIVersion.description)
        }
        let chosen = min(server, Self.maximumAPIVersion)
        setAPIVersion(chosen)
        logger.debug("docker api version negotiated", metadata: ["apiVersion": "\(chosen)", "server": "\(version.version)"])
        return chosen
    }
}

struct HTTPClientResponseLike: Sendable {
    var status: Int
    var apiVersion: String?
}
