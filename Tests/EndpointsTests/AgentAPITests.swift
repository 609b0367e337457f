import ECSModel
@testable import Endpoints
import Synchronization
import Testing

final class FakeProtection: TaskProtectionClient, @unchecked Sendable {
    var outcome: TaskProtectionOutcome = .answered(protectedTasks: [], failures: [])
    let calls = Mutex<[TaskProtectionOperation]>([])
    func call(_ operation: TaskProtectionOperation, cluster: String, taskArn: String, credentials: RoleCredentials) async -> TaskProtectionOutcome {
        calls.withLock { $0.append(operation) }
        return outcome
    }
}

@Suite struct AgentAPITests {
    static let path = "/api/\(Fixture.endpointID)/task-protection/v1/state"

    func setUp(role: Bool = true) throws -> (Fixture.Sources, FakeProtection, TaskMetadataAPI) {
        let s = try Fixture.sources()
        if role {
            s.credentials.byID["task-creds"] = RoleCredentials(taskArn: Fixture.taskArn, role: .task, roleArn: "arn:aws:iam::1:role/r", accessKeyId: "AK",
                                                               secretAccessKey: "SK", sessionToken: "T", expiration: "2030-01-01T00:00:00Z")
        }
        let fake = FakeProtection()
        return (s, fake, TaskMetadataAPI(sources: s.endpoints, limiter: nil, protection: fake, audit: { _ in }, now: { 1 }))
    }

    func send(_ api: TaskMetadataAPI, _ method: String, _ path: String, _ body: String = "") async -> EndpointResponse {
        await api.respond(EndpointRequest(method: method, path: path, body: Array(body.utf8)))
    }

    @Test func aPutIsSentToECSAndItsProtectionComesBackInTheReferenceShape() async throws {
        let (_, fake, api) = try setUp()
        fake.outcome = .answered(protectedTasks: [JSONValue.parse(#"{"taskArn":"\#(Fixture.taskArn)","protectionEnabled":true,"expirationDate":1714557602.5}"#)!], failures: [])
        let r = await send(api, "PUT", Self.path, #"{"protectionEnabled":true,"ExpiresInMinutes":60}"#)
        #expect(r.status == 200)
        #expect(r.bodyText == #"{"protection":{"ExpirationDate":"2024-05-01T10:00:02.5Z","ProtectionEnabled":true,"TaskArn":"\#(Fixture.taskArn)"}}"#)
        #expect(fake.calls.withLock { $0 } == [.update(enabled: true, expiresInMinutes: 60)])
        fake.outcome = .answered(protectedTasks: [JSONValue.parse(#"{"taskArn":"\#(Fixture.taskArn)","protectionEnabled":false}"#)!], failures: [])
        #expect(await send(api, "GET", Self.path).bodyText == #"{"protection":{"ExpirationDate":null,"ProtectionEnabled":false,"TaskArn":"\#(Fixture.taskArn)"}}"#)
    }

    @Test func requestsThatCannotBeMadeGetTheSpecifiedErrors() async throws {
        let (_, fake, api) = try setUp()
        var r = await send(api, "PUT", Self.path, "")
        #expect(r.status == 400 && r.bodyText == #"{"error":{"Code":"InvalidParameterException","Message":"UpdateTaskProtection: failed to decode request"}}"#)
        r = await send(api, "PUT", Self.path, #"{"ProtectionEnabled":true,"Other":1}"#)
        #expect(r.status == 400, "unknown fields are refused")
        r = await send(api, "PUT", Self.path, #"{"ExpiresInMinutes":5}"#)
        #expect(r.status == 400 && r.bodyText == #"{"error":{"Arn":"\#(Fixture.taskArn)","Code":"InvalidParameterException","Message":"Invalid request: does not contain 'ProtectionEnabled' field"}}"#)
        r = await send(api, "GET", "/api/nope/task-protection/v1/state")
        #expect(r.status == 404 && r.bodyText == #"{"error":{"Code":"ResourceNotFoundException","Message":"Failed to find a task for the request"}}"#)
        r = await send(api, "POST", Self.path)
        #expect(r.status == 405 && r.body.isEmpty && r.header("Content-Type") == nil)
        #expect(fake.calls.withLock { $0 }.isEmpty)
        let (_, _, noRole) = try setUp(role: false)
        r = await send(noRole, "GET", Self.path)
        #expect(r.status == 403 && r.bodyText == #"{"error":{"Arn":"\#(Fixture.taskArn)","Code":"AccessDeniedException","Message":"Invalid Request: no task IAM role credentials available for task"}}"#)
    }

    @Test func whatECSSaysIsPassedOnAsTheReferenceDoes() async throws {
        let (_, fake, api) = try setUp()
        fake.outcome = .awsError(status: 400, code: "InvalidParameterException", message: "bad", requestID: "req-1")
        var r = await send(api, "GET", Self.path)
        #expect(r.status == 400 && r.bodyText == #"{"requestID":"req-1","error":{"Arn":"\#(Fixture.taskArn)","Code":"InvalidParameterException","Message":"bad"}}"#)
        fake.outcome = .timedOut
        r = await send(api, "GET", Self.path)
        #expect(r.status == 504 && r.bodyText == #"{"error":{"Arn":"\#(Fixture.taskArn)","Code":"RequestCanceled","Message":"Timed out calling ECS Task Protection API"}}"#)
        fake.outcome = .answered(protectedTasks: [], failures: [JSONValue.parse(#"{"arn":"\#(Fixture.taskArn)","reason":"TASK_NOT_VALID"}"#)!])
        r = await send(api, "GET", Self.path)
        #expect(r.status == 200 && r.bodyText == #"{"failure":{"Arn":"\#(Fixture.taskArn)","Detail":null,"Reason":"TASK_NOT_VALID"}}"#)
        fake.outcome = .answered(protectedTasks: [], failures: [])
        r = await send(api, "GET", Self.path)
        #expect(r.status == 500 && r.bodyText.contains("Unexpected error occurred"))
    }

    @Test func faultInjectionPathsKeepTheirStatuses() async throws {
        let (_, _, api) = try setUp()
        let path = "/api/\(Fixture.endpointID)/fault/v1/network-latency/start"
        #expect(await send(api, "GET", path).status == 405)
        let r = await send(api, "POST", path, "{}")
        #expect(r.status == 400 && r.bodyText == #"{"Error":"enableFaultInjection is not enabled for task: \#(Fixture.taskArn)"}"#)
        #expect(await send(api, "POST", "/api/nope/fault/v1/network-latency/start").status == 404)
        #expect(await send(api, "POST", "/api/\(Fixture.endpointID)/fault/v1/network-nothing/start").status == 404)
    }
}
