import Foundation

/// What the test scripts tell the tests through the environment. Integration tests run only
/// when `ECS_INTEGRATION=1` (scripts/test sets it after starting the daemons); then a missing
/// daemon is a failure, not a skip.
public enum TestEnvironment {
    public static let variables = ProcessInfo.processInfo.environment

    public static var integrationEnabled: Bool { variables["ECS_INTEGRATION"] == "1" }

    /// The per-run id every test resource is labelled with (`ecs-agent-test.run=<id>`).
    public static var runID: String { variables["ECS_TEST_RUN_ID"] ?? "local-\(ProcessInfo.processInfo.processIdentifier)" }

    public static let runLabelKey = "ecs-agent-test.run"
    public static var runLabel: String { "\(runLabelKey)=\(runID)" }

    public static var dockerHost: String { variables["DOCKER_HOST"] ?? "unix:///var/run/docker.sock" }

    /// The busybox-static image built by scripts/test-fixtures.
    public static var testImage: String { variables["ECS_TEST_IMAGE"] ?? "ecs-agent-test/busybox:latest" }

    /// The loopback registry (host:port) with htpasswd auth, and its credentials.
    public static var registry: String? { variables["ECS_TEST_REGISTRY"] }
    public static var registryUser: String { variables["ECS_TEST_REGISTRY_USER"] ?? "" }
    public static var registryPassword: String { variables["ECS_TEST_REGISTRY_PASSWORD"] ?? "" }
    /// The registry id whose moto ECR token (user AWS, password <id>-auth-token) the registry accepts.
    public static var ecrRegistryID: String { variables["ECS_TEST_ECR_REGISTRY_ID"] ?? "" }
    /// The image pushed to the registry (without the registry prefix).
    public static var registryImage: String { variables["ECS_TEST_REGISTRY_IMAGE"] ?? "" }

    /// A fresh directory under the system temporary directory.
    public static func temporaryDirectory(_ prefix: String = "ecs-agent-test") throws -> String {
        let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The directory holding the test bundle, where SwiftPM also puts the built executables.
    public static var productsDirectory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while url.path != "/" && url.pathExtension == "xctest" { url = url.deletingLastPathComponent() }
        return url.path
    }
}
