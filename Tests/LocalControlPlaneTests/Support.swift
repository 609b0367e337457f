import AWSSupport
import ECSModel
import Foundation
import Logging
import Testing
@testable import LocalControlPlane

/// A control plane over a temporary database, driven through the same entry point the HTTP
/// layer uses.
final class Harness: Sendable {
    let plane: ControlPlane
    let path: String

    init(plane: ControlPlane, path: String) {
        self.plane = plane
        self.path = path
    }

    /// SQLite insists on an explicit close; a test's harness closes when the test drops it.
    deinit {
        let plane = self.plane
        Task { await plane.close() }
    }

    static func make(path: String? = nil, configure: (inout ControlPlane.Options) -> Void = { _ in }) async throws -> Harness {
        let dir = path ?? (NSTemporaryDirectory() + "ecs-local-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var logger = Logger(label: "test.ecs-local")
        logger.logLevel = .warning
        var options = ControlPlane.Options()
        options.heartbeatInterval = .seconds(3600)
        configure(&options)
        let plane = try await ControlPlane.open(options: options, databasePath: dir + "/ecs-local.db", reset: false, logger: logger)
        return Harness(plane: plane, path: dir)
    }

    func reopen() async throws -> Harness {
        await plane.close()
        return try await Harness.make(path: path)
    }


    @discardableResult
    func call(_ operation: String, _ input: String = "{}") async throws -> JSONValue {
        let parsed = try #require(JSONValue.parse(input), "test input is not JSON: \(input)")
        switch await plane.handle(operation: operation, input: parsed) {
        case .success(let output): return output
        case .failure(let error): throw error
        }
    }

    func error(_ operation: String, _ input: String = "{}") async -> AWSError? {
        do {
            try await call(operation, input)
            return nil
        } catch let e as AWSError {
            return e
        } catch {
            return AWSError("unexpected", "\(error)")
        }
    }

    /// Registers an instance with `cpu` units and `memory` MiB and returns its ARN.
    func registerInstance(cluster: String = "default", cpu: Int = 2048, memory: Int = 4096, ports: [Int] = [22], attributes: String = "[]") async throws -> String {
        let portList = ports.map { "\"\($0)\"" }.joined(separator: ",")
        let out = try await call("RegisterContainerInstance", """
            {"cluster":"\(cluster)","totalResources":[{"name":"CPU","type":"INTEGER","integerValue":\(cpu)},
             {"name":"MEMORY","type":"INTEGER","integerValue":\(memory)},{"name":"PORTS","type":"STRINGSET","stringSetValue":[\(portList)]},
             {"name":"PORTS_UDP","type":"STRINGSET","stringSetValue":[]}],"attributes":\(attributes)}
            """)
        return try #require(out["containerInstance"]?["containerInstanceArn"]?.stringValue)
    }
}

/// A hand-written ACS session: records what the control plane sends.
final class RecordingSession: ACSSessionSink, @unchecked Sendable {
    let id = UUID().uuidString
    private let lock = NSLock()
    private var frames: [String] = []
    private(set) var closed: String?

    func send(_ frame: String) { lock.withLock { frames.append(frame) } }
    func close(code: ACSCloseCode, reason: String) { lock.withLock { closed = reason } }

    var envelopes: [ACSEnvelope] { lock.withLock { frames.compactMap(ACSEnvelope.decode) } }
    var payloads: [ACSPayloadMessage] { envelopes.filter { $0.type == "PayloadMessage" }.compactMap { try? $0.decodeMessage(ACSPayloadMessage.self) } }
}

extension JSONValue {
    var strings: [String] { arrayValue?.compactMap(\.stringValue) ?? [] }
}

let webTaskDefinition = """
{"family":"web","containerDefinitions":[{"name":"web","image":"busybox","cpu":256,"memory":128,
 "portMappings":[{"containerPort":8080,"hostPort":0}]}]}
"""

let staticPortTaskDefinition = """
{"family":"static","containerDefinitions":[{"name":"app","image":"busybox","cpu":10,"memory":16,
 "portMappings":[{"containerPort":80,"hostPort":8080}]}]}
"""
