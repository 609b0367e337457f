import ECSModel
import Foundation
import TaskEngine
import Testing

@Suite struct LogRoutingTests {
    static func task(logConfig: String, logsAuth: String? = nil) throws -> ACSTask {
        let host = #"{"LogConfig":\#(logConfig)}"#
        let hostJSON = String(decoding: try JSONSerialization.data(withJSONObject: [host]), as: UTF8.self).dropFirst().dropLast()
        let auth = logsAuth.map { #","logsAuthStrategy":"\#($0)""# } ?? ""
        let json = #"{"arn":"arn:aws:ecs:us-west-2:1:task/c/0123abcd","family":"f","version":"1","containers":[{"name":"app","image":"busybox"\#(auth),"dockerConfig":{"hostConfig":\#(hostJSON)}}]}"#
        return try JSONDecoder().decode(ACSTask.self, from: Data(json.utf8))
    }

    func logConfig(_ task: ACSTask, _ configure: (inout CreateContext) -> Void = { _ in }) throws -> JSONValue? {
        var context = CreateContext(cluster: "c", region: "us-west-2")
        configure(&context)
        return try CreateRequest.body(task: task, container: task.containers![0], context: context)["HostConfig"]?["LogConfig"]
    }

    static let awslogs = #"{"Type":"awslogs","Config":{"awslogs-group":"g","awslogs-region":"us-west-2","awslogs-stream-prefix":"web","mode":"non-blocking"}}"#

    @Test func `an awslogs container the agent ships runs with Docker's local driver and rotation`() throws {
        let task = try Self.task(logConfig: Self.awslogs)
        #expect(try logConfig(task) == ["Type": "local", "Config": ["max-size": "20m", "max-file": "5", "compress": "false"]])
        #expect(LogRouting.shippedByAgent(task.containers![0], policy: LoggingPolicy())?.group == "g")
    }

    @Test func `in Docker mode awslogs gets the documented stream, the execution role endpoint and the 10m buffer`() throws {
        let task = try Self.task(logConfig: Self.awslogs, logsAuth: "ExecutionRole")
        let log = try logConfig(task) {
            $0.logging.agentShipsAwslogs = false
            $0.executionCredentialsID = "exec-1"
        }
        #expect(log?["Type"] == "awslogs")
        #expect(log?["Config"] == ["awslogs-group": "g", "awslogs-region": "us-west-2", "awslogs-stream": "web/app/0123abcd", "mode": "non-blocking",
                                   "max-buffer-size": "10m", "awslogs-credentials-endpoint": "/v2/credentials/exec-1"])
        #expect(LogRouting.shippedByAgent(task.containers![0], policy: { var p = LoggingPolicy(); p.agentShipsAwslogs = false; return p }()) == nil)
    }

    @Test func `other drivers pass through, non-blocking gets its buffer size`() throws {
        let task = try Self.task(logConfig: #"{"Type":"json-file","Config":{"max-size":"1m","mode":"non-blocking"}}"#)
        #expect(try logConfig(task) == ["Type": "json-file", "Config": ["max-size": "1m", "mode": "non-blocking", "max-buffer-size": "10m"]])
    }

    @Test func `a driver the instance does not offer stops the container with a reason that names it`() throws {
        let task = try Self.task(logConfig: #"{"Type":"gelf","Config":{}}"#)
        #expect(throws: CreateRequestError("CannotCreateContainerError: container app asks for log driver gelf, which this instance does not offer (ECS_AVAILABLE_LOGGING_DRIVERS: awslogs, json-file)")) {
            try logConfig(task) { $0.logging.availableDrivers = ["json-file", "awslogs"] }
        }
    }

    @Test func `awslogs options Docker would refuse stop the container naming the option`() throws {
        let task = try Self.task(logConfig: #"{"Type":"awslogs","Config":{"awslogs-region":"us-west-2"}}"#)
        #expect(throws: CreateRequestError("CannotCreateContainerError: container app: awslogs: must specify a value for log opt 'awslogs-group'")) {
            try logConfig(task)
        }
    }
}
