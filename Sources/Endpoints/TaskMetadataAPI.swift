import ECSModel
import Synchronization
import TaskEngine

/// Rendered metadata bodies by path, with the board generation they were rendered from: a
/// client polling /task gets the bytes made for the task's last change (wrk against v4 /task:
/// 10k req/s rendering each time; the tree, sorting and escaping are the work).
final class RenderCache: Sendable {
    private let entries = Mutex<[String: (generation: Int, body: [UInt8])]>([:])

    func get(_ key: String, generation: Int) -> [UInt8]? {
        entries.withLock { e in e[key].flatMap { $0.generation == generation ? $0.body : nil } }
    }

    func put(_ key: String, generation: Int, body: [UInt8]) {
        entries.withLock { e in
            // Bounded: an entry per container and path; stale ones are replaced on next use.
            if e.count > 8192 { e.removeAll() }
            e[key] = (generation, body)
        }
    }
}

/// The server on 127.0.0.1:51679 that containers reach as 169.254.170.2 (endpoints.md §3-§5):
/// path cleaning, the rate limiter, then the route table of §3.2 in its order.
public struct TaskMetadataAPI: Sendable {
    let sources: EndpointSources
    let limiter: RateLimiter?
    let credentials: CredentialsEndpoint
    let agentAPI: AgentAPI
    /// Receives one line per credentials request and per throttled request (§4.6).
    let audit: @Sendable (String) -> Void
    let now: @Sendable () -> Double
    let rendered = RenderCache()

    public init(sources: EndpointSources, limiter: RateLimiter?, protection: (any TaskProtectionClient)? = nil,
                audit: @escaping @Sendable (String) -> Void, now: @escaping @Sendable () -> Double) {
        self.sources = sources
        self.limiter = limiter
        self.credentials = CredentialsEndpoint(sources: sources)
        self.agentAPI = AgentAPI(sources: sources, protection: protection)
        self.audit = audit
        self.now = now
    }

    public func respond(_ request: EndpointRequest) async -> EndpointResponse {
        let path = request.decodedPath
        let cleaned = GoURL.cleanPath(path)
        if cleaned != path {
            // gorilla/mux's clean-path redirect: no body, no rate-limit headers.
            return EndpointResponse(status: 301, headers: [.init("Location", cleaned + (request.query.map { "?" + $0 } ?? ""))])
        }
        var rateHeaders: [EndpointResponse.Header] = []
        if let limiter {
            rateHeaders = [.init("X-Rate-Limit-Duration", "1"), .init("X-Rate-Limit-Limit", limiter.limitText),
                           .init("X-Rate-Limit-Request-Forwarded-For", request.header("X-Forwarded-For") ?? ""),
                           .init("X-Rate-Limit-Request-Remote-Addr", request.remoteAddress)]
            if !limiter.allow(key: request.remoteIP + "|" + path, now: now()) {
                audit(auditLine(request, status: 429, path: path, taskArn: nil, eventType: ""))
                var throttled = EndpointResponse.text(429, "You have reached maximum request limit.")
                throttled.headers = rateHeaders + throttled.headers
                return throttled
            }
        }
        var response = await route(request, path: path)
        response.headers = rateHeaders + response.headers
        return response
    }

    private func route(_ request: EndpointRequest, path: String) async -> EndpointResponse {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // parts[0] is "" (the path is rooted).
        guard parts.count >= 2 else { return .notFound }
        switch parts[1] {
        case "v1" where path == "/v1/credentials":
            return await credentialsResponse(request, id: request.queryValues["id"]?.first ?? "", form: .v1, auditPath: "/v1/credentials")
        case "v2":
            if parts.count >= 3 && parts[2] == "credentials" && parts.count >= 4 {
                let id = parts[3...].joined(separator: "/")
                return await credentialsResponse(request, id: id, form: .v2, auditPath: "/v2/credentials")
            }
            return v2(parts, remoteIP: request.remoteIP)
        case "v3", "v4":
            let version: TaskViews.Version = parts[1] == "v3" ? .v3 : .v4
            guard parts.count >= 3 else { return .notFound }
            let id = parts[2]
            let rest = Array(parts[3...])
            switch rest {
            case []: return await containerMetadata(id, version)
            case ["task"], ["taskWithTags"]: return await taskMetadata(id, version)
            case ["stats"]: return await containerStats(id, version)
            case ["task", "stats"]: return await taskStats(id, version)
            default:
                if rest.first == "associations" && rest.count >= 2 { return associations(id, version, rest) }
                return .notFound
            }
        case "api":
            return await agentAPI.respond(request, parts: parts)
        default:
            return .notFound
        }
    }

    // MARK: credentials

    private func credentialsResponse(_ request: EndpointRequest, id: String, form: CredentialsEndpoint.Form, auditPath: String) async -> EndpointResponse {
        let outcome = await credentials.respond(id: id, form: form)
        audit(auditLine(request, status: outcome.response.status, path: auditPath, taskArn: outcome.taskArn, eventType: outcome.eventType))
        return outcome.response
    }

    private func auditLine(_ request: EndpointRequest, status: Int, path: String, taskArn: String?, eventType: String) -> String {
        let agent = sources.agent()
        return AuditLine.format(time: now(), status: status, remoteAddress: request.remoteAddress, path: path,
                                userAgent: request.header("User-Agent") ?? "", taskArn: taskArn, eventType: eventType,
                                cluster: agent.cluster, containerInstanceArn: agent.containerInstanceArn)
    }

    // MARK: v2 (awsvpc callers only; this agent runs no awsvpc task, so no caller is known)

    private func v2(_ parts: [String], remoteIP: String) -> EndpointResponse {
        let known = ["metadata", "metadataWithTags", "stats"]
        guard parts.count >= 3, known.contains(parts[2]) else { return .notFound }
        let tail = parts.count > 3 ? parts[3...].joined(separator: "/") : nil
        // Only /v2/metadata/{id+}, /v2/stats/{id+} and the bare forms with or without a slash.
        if parts[2] == "metadataWithTags", let tail, !tail.isEmpty { return .notFound }
        return .jsonMessage(400, "Unable to get task arn from request: unable to associate '\(remoteIP)' with task")
    }

    // MARK: v3 / v4 metadata

    private func handlerName(_ version: TaskViews.Version) -> String { version == .v3 ? "V3" : "V4" }

    private func containerMetadata(_ id: String, _ version: TaskViews.Version) async -> EndpointResponse {
        guard let located = sources.board.container(endpointID: id), let dockerID = located.record.containers[located.container].dockerID else {
            let message = "\(handlerName(version)) container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: \(id)"
            return .jsonMessage(version == .v3 ? 500 : 404, message)
        }
        let key = "\(version)|c|\(id)"
        if let body = rendered.get(key, generation: located.generation) { return Self.json(body) }
        let facts = await sources.facts.facts(dockerID: dockerID, state: located.record.containers[located.container].factsState)
        guard let facts else {
            return .jsonMessage(500, version == .v3 ? "Unable to find container '\(dockerID)'" : "unable to find container '\(dockerID)'")
        }
        let networks = TaskViews.networks(facts, version)
        let response = EndpointResponse.json(200, TaskViews.container(located.record, located.container, version, facts: facts, networks: networks))
        rendered.put(key, generation: located.generation, body: response.body)
        return response
    }

    private func taskMetadata(_ id: String, _ version: TaskViews.Version) async -> EndpointResponse {
        guard let located = sources.board.container(endpointID: id) else {
            let message = "\(handlerName(version)) task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: \(id)"
            return .jsonMessage(version == .v3 ? 500 : 404, message)
        }
        let key = "\(version)|t|\(id)"
        if let body = rendered.get(key, generation: located.generation) { return Self.json(body) }
        let record = located.record
        var containers: [GoJSON] = []
        var complete = true
        for i in record.containers.indices {
            let dockerID = record.containers[i].dockerID
            let facts: ContainerFacts? = if let dockerID { await sources.facts.facts(dockerID: dockerID, state: record.containers[i].factsState) } else { nil }
            if dockerID != nil && facts == nil {
                if version == .v3 { return .jsonMessage(500, "Unable to find container '\(dockerID!)'") }
                complete = false
            }
            containers.append(TaskViews.container(record, i, version, facts: facts, networks: facts.map { TaskViews.networks($0, version) }))
        }
        let response = EndpointResponse.json(200, TaskViews.task(record, version, agent: sources.agent(), containers: containers))
        if complete { rendered.put(key, generation: located.generation, body: response.body) }
        return response
    }

    static func json(_ body: [UInt8]) -> EndpointResponse {
        EndpointResponse(status: 200, headers: [.init("Content-Type", "application/json")], body: body)
    }

    // MARK: stats

    private func containerStats(_ id: String, _ version: TaskViews.Version) async -> EndpointResponse {
        let handler = "\(handlerName(version)) container stats handler"
        let status = version == .v3 ? 400 : 404
        guard let located = sources.board.container(endpointID: id) else {
            return .jsonMessage(status, "\(handler): unable to get task arn from request: unable to get task Arn from v3 endpoint ID: \(id)")
        }
        guard let dockerID = located.record.containers[located.container].dockerID else {
            return .jsonMessage(status, "\(handler): unable to get container ID from request: unable to get docker ID from v3 endpoint ID: \(id)")
        }
        guard let source = sources.stats else { return .jsonMessage(version == .v3 ? 400 : 500, "Unable to get container stats for: \(dockerID)") }
        guard let sample = await source.stats(dockerID: dockerID) else {
            return version == .v3 ? .json(200, .null) : .json(200, .object([]))
        }
        return .json(200, sample.json(version == .v4))
    }

    private func taskStats(_ id: String, _ version: TaskViews.Version) async -> EndpointResponse {
        guard let located = sources.board.container(endpointID: id) else {
            return .jsonMessage(version == .v3 ? 400 : 404,
                                "\(handlerName(version)) task stats handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: \(id)")
        }
        guard let source = sources.stats else { return .jsonMessage(version == .v3 ? 400 : 500, "Unable to get task stats for: \(located.record.arn)") }
        var entries: [String: GoJSON] = [:]
        for c in located.record.containers {
            guard let dockerID = c.dockerID else { continue }
            if let sample = await source.stats(dockerID: dockerID) {
                entries[dockerID] = sample.json(version == .v4)
            } else {
                entries[dockerID] = version == .v3 ? .null : .object([])
            }
        }
        return .json(200, .map(entries))
    }

    // MARK: associations (none are sent to this agent: every lookup finds none)

    private func associations(_ id: String, _ version: TaskViews.Version, _ rest: [String]) -> EndpointResponse {
        let handler = "\(handlerName(version)) container associations handler"
        guard let located = sources.board.container(endpointID: id) else {
            return .jsonMessage(400, "\(handler): unable to get container id from request: unable to get docker ID from v3 endpoint ID: \(id)")
        }
        let type = rest[1]
        if rest.count == 2 { return .json(200, .object([("Associations", .null)])) }
        let name = rest[2...].joined(separator: "/")
        if name.isEmpty { return .jsonMessage(400, "\(handler): unable to get association name from request") }
        _ = located
        return .jsonMessage(400, "Unable to write container association response: unable to get association from association type \(type) and association name \(name)")
    }
}
