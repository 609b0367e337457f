public import ECSModel
import TaskEngine

/// ECS's task protection calls, made with the task role's credentials.
public protocol TaskProtectionClient: Sendable {
    func call(_ operation: TaskProtectionOperation, cluster: String, taskArn: String, credentials: RoleCredentials) async -> TaskProtectionOutcome
}

public enum TaskProtectionOperation: Sendable, Equatable {
    case get
    case update(enabled: Bool, expiresInMinutes: Int?)
}

public enum TaskProtectionOutcome: Sendable {
    /// ECS's answer: `protectedTasks` and `failures` as it sent them.
    case answered(protectedTasks: [JSONValue], failures: [JSONValue])
    /// ECS answered with an error; `status` nil when there was no HTTP response at all.
    case awsError(status: Int?, code: String, message: String, requestID: String?)
    case timedOut
    case failed(String)
}

/// `/api/<endpoint ID>/task-protection/v1/state` (endpoints.md §7.1) and the fault injection
/// paths (§7.2: tasks here never have fault injection enabled, so a known task gets the
/// reference's 400 for that, an unknown endpoint 404, another method 405).
struct AgentAPI: Sendable {
    let sources: EndpointSources
    let protection: (any TaskProtectionClient)?

    func respond(_ request: EndpointRequest, parts: [String]) async -> EndpointResponse {
        // parts: ["", "api", id, ...]
        guard parts.count >= 3 else { return .notFound }
        let id = parts[2]
        let rest = Array(parts[3...])
        if rest == ["task-protection", "v1", "state"] {
            switch request.method {
            case "GET": return await taskProtection(id, request: request, put: false)
            case "PUT": return await taskProtection(id, request: request, put: true)
            default: return EndpointResponse(status: 405)
            }
        }
        if rest.count == 4, rest[0] == "fault", rest[1] == "v1",
           ["network-blackhole-port", "network-latency", "network-packet-loss"].contains(rest[2]), ["start", "stop", "status"].contains(rest[3]) {
            guard request.method == "POST" else { return EndpointResponse(status: 405) }
            guard let located = sources.board.container(endpointID: id) else {
                return .json(404, .object([("Error", .string("unable to get task arn from request: unable to get task Arn from v3 endpoint ID: \(id)"))]))
            }
            return .json(400, .object([("Error", .string("enableFaultInjection is not enabled for task: \(located.record.arn)"))]))
        }
        return .notFound
    }

    // MARK: task protection

    private static func error(_ status: Int, arn: String?, code: String, message: String, requestID: String? = nil) -> EndpointResponse {
        var e = GoFields()
        e.add("Arn", omitEmpty: .string(arn ?? ""))
        e.add("Code", omitEmpty: .string(code))
        e.add("Message", omitEmpty: .string(message))
        var f = GoFields()
        f.add("requestID", omitEmpty: .string(requestID ?? ""))
        f.add("error", e.json)
        return .json(status, f.json)
    }

    private func taskProtection(_ id: String, request: EndpointRequest, put: Bool) async -> EndpointResponse {
        var enabled: Bool?
        var minutes: Int?
        if put {
            guard let body = Self.decodeUpdate(request.body) else {
                return Self.error(400, arn: nil, code: "InvalidParameterException", message: "UpdateTaskProtection: failed to decode request")
            }
            (enabled, minutes) = body
        }
        guard let located = sources.board.container(endpointID: id) else {
            return Self.error(404, arn: nil, code: "ResourceNotFoundException", message: "Failed to find a task for the request")
        }
        let arn = located.record.arn
        if put && enabled == nil {
            return Self.error(400, arn: arn, code: "InvalidParameterException", message: "Invalid request: does not contain 'ProtectionEnabled' field")
        }
        guard let credentialsID = located.record.taskRoleCredentialsID, let credentials = await sources.credentials.credentials(id: credentialsID),
              credentials.role == .task else {
            return Self.error(403, arn: arn, code: "AccessDeniedException", message: "Invalid Request: no task IAM role credentials available for task")
        }
        guard let protection else { return Self.error(500, arn: arn, code: "ServerException", message: "no ECS client for task protection") }
        let operation: TaskProtectionOperation = put ? .update(enabled: enabled!, expiresInMinutes: minutes) : .get
        switch await protection.call(operation, cluster: sources.agent().cluster, taskArn: arn, credentials: credentials) {
        case .timedOut:
            return Self.error(504, arn: arn, code: "RequestCanceled", message: "Timed out calling ECS Task Protection API")
        case .failed(let reason):
            return Self.error(500, arn: arn, code: "ServerException", message: reason)
        case .awsError(let status, let code, let message, let requestID):
            return Self.error(status ?? 500, arn: arn, code: code, message: message, requestID: status == nil ? nil : requestID)
        case .answered(let protected, let failures):
            if failures.count == 1 && protected.isEmpty {
                let f = failures[0]
                return .json(200, .object([("failure", .object([("Arn", f["arn"]?.stringValue.map(GoJSON.string) ?? .null),
                                                                 ("Detail", f["detail"]?.stringValue.map(GoJSON.string) ?? .null),
                                                                 ("Reason", f["reason"]?.stringValue.map(GoJSON.string) ?? .null)]))]))
            }
            guard protected.count == 1 && failures.isEmpty else {
                return Self.error(500, arn: arn, code: "ServerException", message: "Unexpected error occurred")
            }
            let p = protected[0]
            let expiration: GoJSON = p["expirationDate"]?.doubleValue.map { .string(CivilTime.rfc3339Nano($0)) } ?? .null
            return .json(200, .object([("protection", .object([("ExpirationDate", expiration),
                                                               ("ProtectionEnabled", .bool(p["protectionEnabled"] == .bool(true))),
                                                               ("TaskArn", p["taskArn"]?.stringValue.map(GoJSON.string) ?? .null)]))]))
        }
    }

    /// Go's decoder with unknown fields refused and keys matched without regard to case.
    static func decodeUpdate(_ body: [UInt8]) -> (Bool?, Int?)? {
        guard let value = JSONValue.parse(body) else { return nil }
        if case .null = value { return (nil, nil) }
        guard case .object(let fields) = value else { return nil }
        var enabled: Bool?
        var minutes: Int?
        for (key, v) in fields {
            switch key.lowercased() {
            case "protectionenabled":
                if case .null = v { continue }
                guard case .bool(let b) = v else { return nil }
                enabled = b
            case "expiresinminutes":
                if case .null = v { continue }
                guard let i = v.intValue.flatMap({ Int(exactly: $0) }) else { return nil }
                minutes = i
            default:
                return nil
            }
        }
        return (enabled, minutes)
    }
}
