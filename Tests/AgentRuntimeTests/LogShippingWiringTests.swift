@testable import AgentRuntime
import AWSSupport
import ControlPlaneClient
import ECSModel
import Foundation
import TaskEngine
import Testing

@Suite struct LogShippingWiringTests {
    static let arn = "arn:aws:ecs:us-west-2:1:task/c/0123abcd"

    static func record(executionCredentialsID: String?) throws -> TaskRecord {
        let task = try JSONDecoder().decode(ACSTask.self, from: Data(#"{"arn":"\#(arn)","family":"f","version":"1","containers":[]}"#.utf8))
        var r = TaskRecord(task: task, containers: [], volumeSuffix: "x", now: 1)
        r.executionRoleCredentialsID = executionCredentialsID
        return r
    }

    @Test func `awslogs signs with the task's execution role, and follows ACS's refreshed credentials`() async throws {
        let board = TaskBoard(), store = TaskCredentialsStore()
        board.publish(try Self.record(executionCredentialsID: "exec-1"))
        await store.put(IAMRoleCredentials(credentialsId: "exec-1", roleArn: "arn:aws:iam::1:role/exec", accessKeyId: "AKEXEC1", secretAccessKey: "s1",
                                           sessionToken: "t1", expiration: "2099-01-01T00:00:00Z"), taskArn: Self.arn, roleType: .taskExecution)
        let provider = ExecutionRoleProvider(taskArn: Self.arn, board: board, store: store)
        #expect(try await provider.load()?.credentials.accessKeyId == "AKEXEC1")

        // ACS refreshed them under a new ID; the engine's record names it.
        await store.put(IAMRoleCredentials(credentialsId: "exec-2", roleArn: "arn:aws:iam::1:role/exec", accessKeyId: "AKEXEC2", secretAccessKey: "s2",
                                           sessionToken: "t2", expiration: "2099-01-01T00:00:00Z"), taskArn: Self.arn, roleType: .taskExecution)
        board.publish(try Self.record(executionCredentialsID: "exec-2"))
        let refreshed = try await provider.load()
        #expect(refreshed?.credentials.accessKeyId == "AKEXEC2")
        #expect(refreshed?.expiration != nil)
    }

    @Test func `without execution credentials the provider has none, and the chain says so`() async throws {
        let board = TaskBoard(), store = TaskCredentialsStore()
        board.publish(try Self.record(executionCredentialsID: nil))
        let provider = ExecutionRoleProvider(taskArn: Self.arn, board: board, store: store)
        #expect(try await provider.load() == nil)
        await #expect(throws: (any Error).self) { try await CredentialChain([provider]).credentials() }
    }
}
