import NIOCore
import NIOHTTP1

extension DockerClient {
    /// `GET /_ping` (unversioned): the daemon answers.
    public func ping() async throws {
        _ = try await send(Request(method: .GET, path: "/_ping", versioned: false), operation: "ping", timeout: timeouts.quick)
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

    /// The host interface of Docker's default `bridge` network (`docker0`), nil when there is none.
    public func defaultBridgeInterface() async throws -> String? {
        struct Network: Decodable {
            var Options: [String: String]?
        }
        let op = "inspect network bridge"
        do {
            let (_, body) = try await send(Request(method: .GET, path: "/networks/bridge"), operation: op, timeout: timeouts.quick)
            return try decode(Network.self, from: body, operation: op).Options?["com.docker.network.bridge.name"] ?? "docker0"
        } catch let error as DockerError where error.isNotFound {
            return nil
        }
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
