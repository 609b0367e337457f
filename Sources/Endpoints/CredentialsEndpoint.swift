import ECSModel
import TaskEngine

/// `/v2/credentials/<id>` and `/v1/credentials?id=` (endpoints.md §4): the role credentials
/// ACS sent for a task, by their ID; 503 for an ID a restored task names whose credentials
/// ACS has not sent again yet.
struct CredentialsEndpoint: Sendable {
    let sources: EndpointSources

    enum Form { case v1, v2 }

    struct Outcome {
        var response: EndpointResponse
        /// For the audit line: the task, and the event type ("" for a failed lookup).
        var taskArn: String?
        var eventType: String
    }

    func respond(id: String, form: Form) async -> Outcome {
        let prefix = form == .v1 ? "CredentialsV1Request" : "CredentialsV2Request"
        func error(_ status: Int, _ code: String, _ message: String) -> Outcome {
            Outcome(response: .json(status, .object([("code", .string(code)), ("message", .string("\(prefix): \(message)")),
                                                     ("HTTPErrorCode", .int(Int64(status)))])),
                    taskArn: nil, eventType: "")
        }
        if id.isEmpty { return error(400, "NoIdInRequest", "No Credential ID in the request") }
        guard let found = await sources.credentials.credentials(id: id) else {
            let known = !sources.restored() || sources.board.tasks().contains { $0.taskRoleCredentialsID == id || $0.executionRoleCredentialsID == id }
            return known ? error(503, "CredentialsUninitialized", "Credentials uninitialized for ID")
                         : error(400, "InvalidIdInRequest", "Credentials not found")
        }
        let body: GoJSON = .object([("RoleArn", .string(found.roleArn)), ("AccessKeyId", .string(found.accessKeyId)),
                                    ("SecretAccessKey", .string(found.secretAccessKey)), ("Token", .string(found.sessionToken)),
                                    ("Expiration", .string(found.expiration))])
        return Outcome(response: .json(200, body), taskArn: found.taskArn,
                       eventType: found.role == .task ? "GetCredentials" : "GetCredentialsExecutionRole")
    }
}

/// One audit line per credentials request (endpoints.md §4.6), the credentials ID never in it:
/// `<time> <status> <peer> "<path>" "<user agent>" <task or -> <event> 2 <cluster> <instance>`.
public enum AuditLine {
    public static func format(time: Double, status: Int, remoteAddress: String, path: String, userAgent: String,
                              taskArn: String?, eventType: String, cluster: String, containerInstanceArn: String?) -> String {
        func orDash(_ s: String?) -> String { (s ?? "").isEmpty ? "-" : s! }
        let whole = Int64(time.rounded(.down))
        let fields = eventType.isEmpty ? "" : "\(eventType) 2 \(orDash(cluster)) \(orDash(containerInstanceArn))"
        return "\(CivilTime.rfc3339Nano(seconds: whole)) \(status) \(orDash(remoteAddress)) \"\(path)\" \"\(orDash(userAgent))\" \(orDash(taskArn)) \(fields)"
    }
}
