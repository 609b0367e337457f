import AsyncHTTPClient
import NIOCore
import NIOHTTP1

extension DockerClient {
    /// `POST /volumes/create`. Creating an existing local volume returns it unchanged.
    public func createVolume(_ body: VolumeCreateBody) async throws -> Volume {
        let op = "create volume \(body.name)"
        let (_, data) = try await send(Request(method: .POST, path: "/volumes/create", body: try encode(body, operation: op)),
                                       operation: op, timeout: timeouts.quick)
        return try decode(Volume.self, from: data, operation: op)
    }

    /// `GET /volumes/{name}`.
    public func inspectVolume(_ name: String) async throws -> Volume {
        let op = "inspect volume \(name)"
        let (_, data) = try await send(Request(method: .GET, path: "/volumes/\(name)"), operation: op, timeout: timeouts.quick)
        return try decode(Volume.self, from: data, operation: op)
    }

    /// `GET /volumes`.
    public func listVolumes(filters: DockerFilters = .init()) async throws -> [Volume] {
        let op = "list volumes"
        var query: [(String, String)] = []
        if !filters.values.isEmpty { query.append(("filters", filters.json)) }
        let (_, data) = try await send(Request(method: .GET, path: "/volumes", query: query), operation: op, timeout: timeouts.quick)
        return try decode(VolumeList.self, from: data, operation: op).volumes ?? []
    }

    /// `DELETE /volumes/{name}`.
    public func removeVolume(_ name: String, force: Bool = false) async throws {
        _ = try await send(Request(method: .DELETE, path: "/volumes/\(name)", query: [("force", force ? "1" : "0")]),
                           operation: "remove volume \(name)", timeout: timeouts.quick)
    }

    /// `POST /containers/{id}/exec`: returns the exec's id.
    public func createExec(_ containerID: String, _ body: ExecCreateBody) async throws -> String {
        let op = "create exec in container \(containerID)"
        let (_, data) = try await send(Request(method: .POST, path: "/containers/\(containerID)/exec", body: try encode(body, operation: op)),
                                       operation: op, timeout: timeouts.quick)
        return try decode(IDResponse.self, from: data, operation: op).id
    }

    /// `POST /exec/{id}/start` detached: returns once the process is started.
    public func startExecDetached(_ execID: String) async throws {
        _ = try await send(Request(method: .POST, path: "/exec/\(execID)/start", body: Array(#"{"Detach":true,"Tty":false}"#.utf8)),
                           operation: "start exec \(execID)", timeout: timeouts.quick)
    }

    /// `GET /exec/{id}/json`.
    public func inspectExec(_ execID: String) async throws -> ExecInspect {
        let op = "inspect exec \(execID)"
        let (_, data) = try await send(Request(method: .GET, path: "/exec/\(execID)/json"), operation: op, timeout: timeouts.quick)
        return try decode(ExecInspect.self, from: data, operation: op)
    }

    /// Runs a command in a container and collects its output (capped at `limits.execOutput`)
    /// and exit code, within `timeout`.
    public func execRun(_ containerID: String, _ cmd: [String], timeout: Duration = .seconds(30)) async throws -> ExecResult {
        let id = try await createExec(containerID, ExecCreateBody(cmd: cmd))
        let op = "exec \(cmd.first ?? "") in container \(containerID)"
        let limit = limits.execOutput
        let request = Request(method: .POST, path: "/exec/\(id)/start", body: Array(#"{"Detach":false,"Tty":false}"#.utf8))
        let (stdout, stderr) = try await withDeadline(timeout, operation: op) {
            let response = try await self.open(request, operation: op, headTimeout: timeout)
            var demux = LogDemultiplexer(raw: false)
            var out: [UInt8] = [], err: [UInt8] = []
            do {
                for try await buffer in response.body {
                    for chunk in try demux.push(buffer.readableBytesView) {
                        if chunk.stream == .stderr { err += chunk.bytes } else { out += chunk.bytes }
                    }
                    if out.count + err.count > limit { throw DockerError.bodyTooLarge(operation: op, limit: limit) }
                }
            } catch let e as LogDemultiplexer.Failure {
                throw DockerError.decoding(operation: op, reason: e.description)
            } catch {
                throw self.map(error, operation: op, timeout: timeout, limit: limit)
            }
            return (out, err)
        }
        let inspect = try await inspectExec(id)
        guard let code = inspect.exitCode else {
            throw DockerError.stream(operation: op, message: "the exec ended without an exit code")
        }
        return ExecResult(exitCode: code, stdout: stdout, stderr: stderr)
    }
}
