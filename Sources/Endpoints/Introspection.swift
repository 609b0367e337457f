import ECSModel
import TaskEngine

/// The introspection API on :51678 (endpoints.md §2): agent metadata, tasks by Docker ID or
/// ARN, the license text. Any method; no rate limit; Go's ServeMux path rules.
public struct IntrospectionAPI: Sendable {
    let sources: EndpointSources
    /// LICENSE, NOTICE and THIRD-PARTY contents, nil when one cannot be read.
    let license: @Sendable () -> String?

    public init(sources: EndpointSources, license: @escaping @Sendable () -> String?) {
        self.sources = sources
        self.license = license
    }

    static let defaultBody = #"{"AvailableCommands":["/v1/metadata","/v1/tasks","/license"]}"#

    public func respond(_ request: EndpointRequest) async -> EndpointResponse {
        let path = request.decodedPath
        let cleaned = GoURL.cleanPath(path)
        if cleaned != path {
            return Self.redirect(to: cleaned + (request.query.map { "?" + $0 } ?? ""), method: request.method)
        }
        switch path {
        case "/v1/metadata": return metadata()
        case "/v1/tasks": return await tasks(request.queryValues)
        case "/v1/logs":
            // This agent's own: where each container's awslogs shipping stands.
            guard let list = sources.logShipping() else { return .text(200, Self.defaultBody) }
            return .json(200, .object([("Containers", .array(list.map(Self.logView)))]))
        case "/v1/connections":
            // This agent's own: the ACS and TCS sessions.
            guard let view = sources.connections() else { return .json(503, .object([("Error", .string("not registered yet"))])) }
            return .json(200, Self.connectionsView(view))
        case "/license":
            guard let text = license() else { return EndpointResponse(status: 500, headers: [.init("Content-Type", "text/plain")]) }
            return .text(200, text, contentType: "text/plain")
        default:
            // Go sniffs the type of a body written without one.
            return .text(200, Self.defaultBody)
        }
    }

    static func logView(_ v: LogShippingView) -> GoJSON {
        var fields: [(String, GoJSON)] = [
            ("TaskARN", .string(v.taskArn)), ("ContainerName", .string(v.containerName)), ("DockerId", .string(v.dockerID)),
            ("LogGroup", .string(v.group)), ("LogStream", .string(v.stream)), ("Following", .bool(v.following)),
            ("ShippedEvents", .int(Int64(v.shippedEvents))), ("RejectedEvents", .int(Int64(v.rejectedEvents))), ("Gaps", .int(Int64(v.gaps))),
        ]
        if let e = v.lastError { fields.append(("LastError", .string(e))) }
        return .object(fields)
    }

    static func connectionsView(_ v: ConnectionsView) -> GoJSON {
        var acs: [(String, GoJSON)] = [("Connected", .bool(v.acsConnected)), ("Connections", .int(Int64(v.acsConnections)))]
        if let since = v.acsConnectedSince { acs.append(("ConnectedSince", .string(since))) }
        if let end = v.acsLastEnd { acs.append(("LastEnd", .string(end))) }
        return .object([("ACS", .object(acs)), ("TCS", .object([("Connected", .bool(v.tcsConnected))]))])
    }

    func metadata() -> EndpointResponse {
        let agent = sources.agent()
        return .json(200, .object([("Cluster", .string(agent.cluster)),
                                   ("ContainerInstanceArn", agent.containerInstanceArn.map(GoJSON.string) ?? .null),
                                   ("Version", .string(agent.version))]))
    }

    func tasks(_ query: [String: [String]]) async -> EndpointResponse {
        let dockerID = query["dockerid"]?.first
        let taskArn = query["taskarn"]?.first
        if dockerID != nil && taskArn != nil { return .json(400, TaskViews.emptyV1Task) }
        if let arn = taskArn {
            guard let record = sources.board.task(arn: arn) else { return .json(404, TaskViews.emptyV1Task) }
            return .json(200, TaskViews.v1Task(record, facts: await facts(of: [record])))
        }
        if let id = dockerID {
            // A long ID must match exactly; 12 characters or fewer is a prefix, and it must name
            // exactly one container (two containers of one task sharing it is ambiguous too).
            let matches = id.count > 12 ? sources.board.dockerIDs().filter { $0.id == id } : sources.board.dockerIDs().filter { $0.id.hasPrefix(id) }
            if matches.count > 1 { return .json(400, TaskViews.emptyV1Task) }
            guard let match = matches.first, let record = sources.board.task(arn: match.arn) else { return .json(404, TaskViews.emptyV1Task) }
            return .json(200, TaskViews.v1Task(record, facts: await facts(of: [record])))
        }
        let records = sources.board.tasks()
        let all = await facts(of: records)
        return .json(200, .object([("Tasks", .array(records.map { TaskViews.v1Task($0, facts: all) }))]))
    }

    private func facts(of records: [TaskRecord]) async -> [String: ContainerFacts] {
        var out: [String: ContainerFacts] = [:]
        for r in records {
            for c in r.containers {
                guard let id = c.dockerID else { continue }
                if let f = await sources.facts.facts(dockerID: id, state: c.factsState) { out[id] = f }
            }
        }
        return out
    }

    /// Go's `http.Redirect` with 301: an HTML note for GET and HEAD, nothing for the others.
    static func redirect(to location: String, method: String) -> EndpointResponse {
        var response = EndpointResponse(status: 301, headers: [.init("Location", location)])
        if method == "GET" || method == "HEAD" {
            response.headers.insert(.init("Content-Type", "text/html; charset=utf-8"), at: 0)
            response.body = Array("<a href=\"\(htmlEscape(location))\">Moved Permanently</a>.\n\n".utf8)
        }
        return response
    }

    static func htmlEscape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "'": out += "&#39;"
            case "\"": out += "&#34;"
            default: out.append(ch)
            }
        }
        return out
    }
}
