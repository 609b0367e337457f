import AWSSupport
import ArgumentParser
import HostSystem
import Hummingbird
import LocalControlPlane
import Logging
import NIOCore
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@main
struct EcsLocal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ecs-local",
        abstract: "An ECS-compatible control plane for one machine: the ECS JSON API, ACS and TCS. Not a production scheduler.",
        subcommands: [Serve.self]
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the ECS API and the ACS/TCS websockets until SIGTERM.")

    @Option(help: "Address to listen on, host:port (port 0 picks a free one).") var listen = "127.0.0.1:8080"
    @Option(help: "Directory of the state database (ecs-local.db).") var dataDir = "/var/lib/ecs-local"
    @Flag(help: "Start from an empty state.") var reset = false
    @Option(help: "Region in ARNs and the SigV4 scope.") var region = "us-west-2"
    @Option(help: "Account id in ARNs.") var accountId = "000000000000"
    @Option(help: "The base URL agents reach this server at (default: http://<listen>).") var publicURL: String?
    @Option(help: "Access key id accepted in signatures (env ECS_LOCAL_ACCESS_KEY_ID).") var accessKeyId: String?
    @Option(help: "Secret of that key (env ECS_LOCAL_SECRET_ACCESS_KEY; prefer the environment).") var secretAccessKey: String?
    @Flag(help: "Accept unsigned and wrongly signed requests (development only).") var noVerifySignatures = false
    @Option(help: "An STS endpoint for task and execution role credentials (AssumeRole); without it static development credentials are handed out. The caller's keys come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, else ecs-local's own pair.")
    var stsEndpoint: String?
    @Option(help: "A registry host (host:port) whose images count as this account's ECR repositories, as HOST or HOST=REGISTRY_ID; repeatable. For testing ECR pulls against a local registry.")
    var ecrRegistry: [String] = []
    @Option(help: "Seconds between ACS heartbeats.") var heartbeatSeconds = 20
    @Option(help: "Seconds between TaskManifestMessages to each agent.") var manifestSeconds = 60
    @Option(help: "Milliseconds between passes of the service scheduler.") var schedulerIntervalMs = 1000
    @Option(help: "Seconds before a failed service task is replaced (doubles with each failure in a row, up to 5 minutes).") var serviceRestartDelaySeconds = 5.0
    @Option(help: "Log level: debug, info, warn, error.") var logLevel = "info"

    static let defaultAccessKeyId = "AKIAECSLOCALDEVELOPER"
    static let defaultSecretAccessKey = "ecs-local-development-secret-key"

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let level = AgentLogLevel.parse(logLevel) ?? .some(.info)
        AgentLogging.bootstrap(destination: LogDestination.auto.resolved(environment: env), level: level, identifier: "ecs-local")
        let logger = Logger(label: "ecs-local")

        let parts = listen.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]), (0...65535).contains(port) else {
            throw ValidationError("--listen must be host:port, not \(listen)")
        }
        let host = String(parts[0])
        let credentials = AWSCredentials(
            accessKeyId: accessKeyId ?? env["ECS_LOCAL_ACCESS_KEY_ID"] ?? Self.defaultAccessKeyId,
            secretAccessKey: secretAccessKey ?? env["ECS_LOCAL_SECRET_ACCESS_KEY"] ?? Self.defaultSecretAccessKey)
        // The development role credentials ecs-local hands to tasks sign the calls a task makes
        // itself (the agent API's task protection), as a task role's would against ECS.
        let role = ControlPlane.Options().roleCredentials
        let verifier = noVerifySignatures ? nil : SigV4Verifier(service: "ecs") {
            $0 == credentials.accessKeyId ? credentials : ($0 == role.accessKeyId ? role : nil)
        }

        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        var options = ControlPlane.Options()
        options.region = region
        options.account = accountId
        options.heartbeatInterval = .seconds(heartbeatSeconds)
        options.manifestInterval = .seconds(manifestSeconds)
        options.serviceRestartDelay = max(0, serviceRestartDelaySeconds)
        for entry in ecrRegistry {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            options.ecrRegistries[parts[0]] = parts.count > 1 ? parts[1] : accountId
        }
        if let stsEndpoint {
            let caller = env["AWS_ACCESS_KEY_ID"].map { AWSCredentials(accessKeyId: $0, secretAccessKey: env["AWS_SECRET_ACCESS_KEY"] ?? "", sessionToken: env["AWS_SESSION_TOKEN"]) } ?? credentials
            options.sts = STSClient(endpoint: stsEndpoint, region: region, credentials: caller)
        }
        options.publicURL = publicURL ?? "http://\(host):\(port)"
        let plane = try await ControlPlane.open(options: options, databasePath: dataDir + "/ecs-local.db", reset: reset, logger: logger)
        let telemetry = TelemetryStore()
        let app = ECSLocalHTTP.application(plane: plane, telemetry: telemetry, verifier: verifier, host: host, port: port, logger: logger) { channel in
            let bound = channel.localAddress?.port ?? port
            if publicURL == nil { await plane.setPublicURL("http://\(host):\(bound)") }
            print("ecs-local listening on http://\(host):\(bound)")
            fflush(nil)
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: ShutdownHook(plane: plane)),
                       .init(service: SchedulerLoop(plane: plane, interval: .milliseconds(max(50, schedulerIntervalMs))))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await plane.close()
        logger.info("ecs-local stopped")
    }
}

/// Tells connected agents the server is going away when the group shuts down.
struct ShutdownHook: Service {
    let plane: ControlPlane
    func run() async throws {
        try? await gracefulShutdown()
        await plane.closeAllSessions()
    }
}

/// The service scheduler's heartbeat: a pass over every service at a fixed interval.
struct SchedulerLoop: Service {
    let plane: ControlPlane
    let interval: Duration
    func run() async throws {
        while !Task.isShuttingDownGracefully {
            await plane.runSchedulerPass()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
