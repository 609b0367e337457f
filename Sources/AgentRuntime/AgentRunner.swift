public import AgentConfig
import AWSSupport
import ControlPlaneClient
import DockerEngine
import ECSModel
import Endpoints
import HostSystem
import LogShipping
public import Logging
import ServiceLifecycle
import StateStore
import Synchronization
import TaskEngine
import UnixSignals
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `ecs-agent run`: the composition root. Start-up order (ARCHITECTURE.md): configuration →
/// state store → Docker → credentials → registration → state-change reporter, task engine
/// (saved tasks reconciled with Docker), ACS and TCS in one ServiceGroup → READY=1 once ACS is connected. SIGTERM/SIGINT stop the group gracefully;
/// tasks and the database need no "final save".
public struct AgentRunner: Sendable {
    /// Exit statuses systemd acts on (`RestartPreventExitStatus=5`).
    public enum Exit: Int32, Sendable {
        case ok = 0
        case configuration = 1
        /// The Go agent's ExitTerminal: restarting would fail the same way.
        case terminal = 5
    }

    let config: ResolvedConfig
    let environment: [String: String]
    let logger: Logger

    public init(config: ResolvedConfig, environment: [String: String], logger: Logger) {
        self.config = config
        self.environment = environment
        self.logger = logger
    }

    /// Start-up is over once ACS first connects: its code pages go back to the kernel
    /// (HostSystem/StartupPages.swift says why), and the line says what that saved.
    static func releaseStartupPages(logger: Logger) {
        let outcome = StartupPages.release()
        logger.info("start-up code pages returned to the kernel", metadata: [
            "mappings": "\(outcome.mappings)", "rssBeforeKiB": "\(outcome.rssBeforeKiB ?? -1)", "rssAfterKiB": "\(outcome.rssAfterKiB ?? -1)",
        ])
    }

    public func run() async -> Exit {
        let notifier = SystemdNotifier()
        if config.hasErrors {
            for problem in config.errors { logger.critical("configuration error", metadata: ["problem": "\(problem)"]) }
            return .configuration
        }
        for (key, what) in Self.notYetImplemented where config.origins[key] != nil && config.values[key] != ConfigCatalogue.byName[key]?.defaultValue {
            logger.warning("setting has no effect in this version", metadata: ["key": "\(key)", "reason": "\(what)"])
        }
        let external = config.bool("ECS_EXTERNAL")
        let imds = IMDSClient(options: .from(environment: environment, external: external))
        var region = config.region ?? ""
        if region.isEmpty {
            if let fromIMDS = try? await imds.region() { region = fromIMDS }
        }
        guard !region.isEmpty else {
            logger.critical("AWS_DEFAULT_REGION is not set and instance metadata gave no region; set AWS_DEFAULT_REGION in /etc/ecs/ecs.config")
            return .configuration
        }

        let store: AgentStateStore
        do {
            store = try await AgentStateStore.open(directory: config.checkpointEnabled ? config.dataDirectory : nil, logger: logger)
        } catch {
            logger.critical("cannot open the state store", metadata: ["directory": "\(config.dataDirectory)", "error": "\(error)"])
            return .terminal
        }
        defer { Task { await store.close() } }

        guard let endpoint = DockerEndpoint(config.dockerEndpoint) else {
            logger.critical("DOCKER_HOST is not unix:///path or tcp://host:port", metadata: ["DOCKER_HOST": "\(config.dockerEndpoint)"])
            return .configuration
        }
        let docker = DockerClient(endpoint: endpoint, logger: logger)
        defer { Task { try? await docker.shutdown() } }
        // Stats sampling gets connections of its own: a round of one-shot stats over many
        // containers must never make a launch's create or start wait for a free connection
        // (seen in bench/launch: 0.6-1.8 s stalls with 20 tasks running and one shared pool).
        var statsLimits = DockerClient.Limits()
        statsLimits.connections = ContainerStatsCollector.concurrentSamples
        let statsDocker = DockerClient(endpoint: endpoint, limits: statsLimits, logger: logger)
        defer { Task { try? await statsDocker.shutdown() } }
        notifier.status("waiting for Docker")
        // Until the ServiceGroup runs, SIGTERM/SIGINT end the waits below cleanly (exit 0).
        guard let dockerVersion = await Self.untilStopSignal({ await waitForDocker(docker) }) ?? nil else { return .ok }

        let credentials = CredentialChain(credentialProviders(imds: imds, external: external))
        let identity = AgentIdentity(agentVersion: AgentVersion.compatibleWith, agentHash: AgentVersion.hash, dockerVersion: dockerVersion.version,
                                     detailedOSFamily: config.string("ECS_DETAILED_OS_FAMILY") ?? "LINUX",
                                     implementation: "ecs-agent-swift/\(AgentVersion.version)")

        // The endpoints listen before registration (ARCHITECTURE.md start-up order): until the
        // engine has restored its saved tasks a credentials ID is answered 503, never 400.
        let board = TaskBoard()
        let taskCredentials = TaskCredentialsStore()
        let metricsEnabled = !config.bool("ECS_DISABLE_METRICS")
        // Always polling (the reference's ECS_POLL_METRICS mode, its 10 s default): a stream per
        // container is what pinned dockerd and containerd (issue 6, bench/stats-cpu).
        let collector = ContainerStatsCollector(docker: statsDocker, board: board, interval: config.duration("ECS_POLLING_METRICS_WAIT_DURATION"), logger: logger)
        let agentFacts = Mutex(AgentFacts(cluster: config.cluster, containerInstanceArn: try? await store.value("containerInstanceArn"),
                                          version: "Amazon ECS Agent - v\(AgentVersion.compatibleWith) (\(AgentVersion.hash))"))
        // Shipping starts after registration; the endpoints before it.
        let shippingStatus = Mutex<LogShippingService?>(nil)
        var sources = EndpointSources(board: board, agent: { agentFacts.withLock { $0 } }, facts: DockerContainerFacts(docker: docker),
                                      credentials: StoreCredentials(store: taskCredentials), stats: metricsEnabled ? collector : nil,
                                      restored: { board.isRestored })
        sources.logShipping = { shippingStatus.withLock { $0 }.map { AgentLogShipping.views($0.statuses()) } }
        // The sessions exist once registered; until then /v1/connections says so.
        let sessions = Mutex<(acs: ACSSession, tcs: TCSSession)?>(nil)
        sources.connections = {
            sessions.withLock { $0 }.map { acs, tcs in
                let s = acs.status
                return ConnectionsView(acsConnected: s.connected, acsConnections: s.connections,
                                       acsConnectedSince: s.connectedSince.map { CivilTime.rfc3339Nano($0.timeIntervalSince1970) }, acsLastEnd: s.lastEnd,
                                       tcsConnected: tcs.isConnected)
            }
        }
        let fips: Bool
        if case .contents(let text) = SystemFiles.read("/proc/sys/crypto/fips_enabled") { fips = text.hasPrefix("1") } else { fips = false }
        let apiEndpoint = ECSEndpoint.resolve(backendHost: config.string("ECS_BACKEND_HOST"), region: region, fips: fips)
        let endpoints: [EndpointServer]
        do {
            let (config, logger) = (self.config, self.logger)
            let protection = ECSTaskProtection(endpoint: apiEndpoint, region: region, userAgent: identity.userAgent)
            endpoints = try EndpointWiring.servers(config: config, sources: sources, protection: protection, logger: logger) { listener, port in
                guard listener == "task-metadata", config.bool("ECS_HOST_NETWORK_RULES") else { return }
                await HostNetworkSetup.install(config: config, metadataPort: port, docker: docker, logger: logger)
            }
        } catch {
            logger.critical("configuration error", metadata: ["problem": "\(error)"])
            return .configuration
        }
        var groupConfiguration = ServiceGroupConfiguration(services: endpoints.map { .init(service: $0) },
                                                          gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A stop fits systemd's budget (TimeoutStopSec=30s): services get this long to finish
        // gracefully, then are cancelled. Nothing is lost either way: state is saved as it
        // changes, and a log batch in flight is resent from its cursor at the next start.
        groupConfiguration.maximumGracefulShutdownDuration = Self.gracefulStopLimit
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: groupConfiguration)
        let running = Task { try await group.run() }
        // Whatever happens below, the group (endpoints first, the rest once registered) is
        // what this function waits for before it returns.
        func finish(_ exit: Exit) async -> Exit {
            if exit != .ok || Task.isCancelled { await group.triggerGracefulShutdown() }
            do {
                try await running.value
            } catch {
                logger.error("agent stopped on an error", metadata: ["error": "\(error)"])
            }
            notifier.stopping()
            logger.notice("agent stopped")
            return exit
        }

        let api = ECSHTTPAPI(client: AWSJSONClient(options: .init(endpoint: apiEndpoint, region: region, userAgent: identity.userAgent), credentials: credentials))
        logger.info("control plane", metadata: ["endpoint": "\(apiEndpoint)", "region": "\(region)", "cluster": "\(config.cluster)"])

        let cgroups = taskCgroups(dockerCgroupDriver: (try? await docker.info())?.cgroupDriver)
        notifier.status("registering with \(apiEndpoint)")
        let registration: Registration
        do {
            let registrar = Registrar(
                api: api, store: store, settings: registrationSettings(taskCgroups: cgroups != nil), host: hostResources(),
                dockerAPI: (dockerVersion.minAPIVersion ?? "1.12", dockerVersion.apiVersion),
                identity: { await Self.identityDocument(imds) }, logger: logger)
            guard let registered = try await Self.untilStopSignal({ try await registrar.register() }) else {
                logger.notice("stopped before registration finished")
                return await finish(.ok)
            }
            registration = registered
        } catch is CancellationError {
            return await finish(.ok)
        } catch {
            logger.critical("registration failed", metadata: ["error": "\(error)"])
            return await finish(.terminal)
        }
        agentFacts.withLock {
            $0.cluster = registration.cluster
            $0.containerInstanceArn = registration.containerInstanceArn
        }

        let reporter = StateChangeReporter(api: api, store: store, logger: logger)
        let policy = loggingPolicy()
        var shippingService: LogShippingService?
        var shipping: AgentLogShipping?
        // Shut down after the service group has finished: an HTTPClient dropped without
        // shutdown() traps in debug builds (and leaks its connections in release ones).
        var logDocker: DockerClient?
        if policy.agentShipsAwslogs {
            // Every followed container holds a connection to dockerd: a pool of their own.
            var logLimits = DockerClient.Limits()
            logLimits.connections = 4096
            let client = DockerClient(endpoint: endpoint, limits: logLimits, logger: logger)
            logDocker = client
            var settings = ShippingSettings()
            settings.publishInterval = config.duration("ECS_AWSLOGS_PUBLISH_INTERVAL")
            let service = LogShippingService(source: DockerLogSource(docker: client), store: StoreLogCursors(store: store, logger: logger),
                                             settings: settings, logger: logger)
            shippingService = service
            shippingStatus.withLock { $0 = service }
            shipping = AgentLogShipping(service: service, policy: policy, region: region, environment: environment, userAgent: identity.userAgent,
                                        board: board, taskCredentials: taskCredentials, agentCredentials: credentials, drainLimit: .seconds(3600))
        }
        let manager = taskManager(docker: DockerContainerRuntime(docker: docker), store: store, reporter: reporter,
                                  settings: engineSettings(cluster: registration.cluster, region: region, containerInstanceArn: registration.containerInstanceArn),
                                  host: hostResources(),
                                  secrets: AWSSecretsSource(region: region, environment: environment, userAgent: identity.userAgent),
                                  registryCredentials: AWSRegistryCredentials(region: region, environment: environment, userAgent: identity.userAgent,
                                                                              instanceCredentials: credentials),
                                  cgroups: cgroups, board: board,
                                  metadataFiles: config.bool("ECS_ENABLE_CONTAINER_METADATA")
                                      ? MetadataFileWriter(root: config.dataDirectory + "/metadata", docker: docker, agent: { agentFacts.withLock { $0 } }, logger: logger)
                                      : nil,
                                  logShipping: shipping)
        let receiver = EngineReceiver(manager: manager, credentials: taskCredentials)
        let handler = ACSMessageHandler(registration: registration, store: store, receiver: receiver, credentials: taskCredentials,
                                        reporter: reporter, logger: logger)
        let discovery = EndpointDiscovery(api: api, containerInstanceArn: registration.containerInstanceArn, cluster: registration.cluster)
        let dialer = WebSocketDialer(credentials: credentials, region: region, logger: logger)
        let tcs = TCSSession(registration: registration, identity: identity, discovery: discovery, dialer: dialer, credentials: credentials,
                             region: region, source: AgentTelemetry(docker: docker, manager: manager, collector: collector, clusterArn: registration.cluster),
                             metricsEnabled: metricsEnabled, logger: logger)
        let arn = registration.containerInstanceArn
        let firstConnection = Mutex(true)
        let acs = ACSSession(registration: registration, identity: identity, discovery: discovery, dialer: dialer, handler: handler, logger: logger,
                             onConnected: {
                                 notifier.ready(status: "connected to ACS as \(arn)")
                                 if firstConnection.withLock({ first in defer { first = false }; return first }) { Self.releaseStartupPages(logger: logger) }
                             },
                             onInactive: { tcs.disconnect() })
        sessions.withLock { $0 = (acs, tcs) }
        var services: [any Service] = [reporter, TaskEngineService(manager: manager), acs, tcs]
        if metricsEnabled { services.append(collector) }
        if let shippingService { services.append(shippingService) }
        if notifier.watchdogInterval != nil {
            // Healthy: the engine's actor and the state store both answer.
            services.append(WatchdogService(notifier: notifier, logger: logger) {
                _ = await manager.knows(taskArn: "")
                return (try? await store.value("containerInstanceArn")) != nil
            })
        }
        services.append(SettledPagesService(activity: { board.generation }, logger: logger))
        for service in services { await group.addServiceUnlessShutdown(service) }
        let exit = await finish(.ok)
        try? await logDocker?.shutdown()
        return exit
    }

    /// How long a SIGTERM'd agent lets its services finish before cancelling them.
    public static let gracefulStopLimit = Duration.seconds(20)

    /// Keys the Go agent acts on during registration that this version does not implement yet;
    /// setting them gets a warning rather than silence.
    static let notYetImplemented: [(String, String)] = [
        ("ECS_CONTAINER_INSTANCE_PROPAGATE_TAGS_FROM", "EC2 instance tags are not read; only ECS_CONTAINER_INSTANCE_TAGS are sent"),
        ("ECS_ENABLE_SPOT_INSTANCE_DRAINING", "spot interruption notices are not watched"),
        ("ECS_WARM_POOLS_CHECK", "the agent does not wait for the warm-pool InService state"),
    ]

    /// Runs `body` until it returns or SIGTERM/SIGINT arrives (then nil, `body` cancelled).
    static func untilStopSignal<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async rethrows -> T? {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                for await _ in signals { return nil }
                try await Task.sleep(for: .seconds(1_000_000_000))
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    /// Docker's version, waiting (with backoff, logged) while the daemon is not up yet.
    func waitForDocker(_ docker: DockerClient) async -> DockerVersion? {
        var backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(30), multiplier: 2, jitter: 0.2)
        while !Task.isCancelled {
            do {
                try await docker.negotiateVersion()
                return try await docker.version()
            } catch {
                let delay = backoff.next()
                logger.warning("Docker is not answering; waiting", metadata: ["error": "\(error)", "retryInSeconds": "\(Int(delay.seconds.rounded(.up)))"])
                try? await Task.sleep(for: delay)
            }
        }
        return nil
    }

    /// protocol.md §6.1: EC2 order, or the ECS Anywhere order with the rotating file second.
    func credentialProviders(imds: IMDSClient, external: Bool) -> [any CredentialProvider] {
        var values = environment
        for key in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] {
            if let v = config.string(key) { values[key] = v }
        }
        let env = EnvironmentCredentialProvider(values: values)
        let home = environment["HOME"] ?? "/root"
        let shared = SharedCredentialsFileProvider(path: environment["AWS_SHARED_CREDENTIALS_FILE"] ?? home + "/.aws/credentials",
                                                   profile: environment["AWS_PROFILE"] ?? "default")
        let rotating = SharedCredentialsFileProvider(path: environment["ECS_ROTATING_CREDENTIALS_FILE"] ?? "/rotatingcreds/credentials",
                                                     profile: config.string("ECS_ALTERNATE_CREDENTIAL_PROFILE") ?? "default")
        let role = IMDSRoleCredentialProvider(imds: imds)
        return external ? [env, rotating, shared, role] : [env, shared, role, rotating]
    }

    func registrationSettings(taskCgroups: Bool = false) -> RegistrationSettings {
        var s = RegistrationSettings(cluster: config.string("ECS_CLUSTER") ?? "")
        s.instanceAttributes = config.map("ECS_INSTANCE_ATTRIBUTES")
        s.instanceTags = config.map("ECS_CONTAINER_INSTANCE_TAGS")
        s.reservedMemoryMiB = config.int("ECS_RESERVED_MEMORY")
        s.reservedPorts = config.ports("ECS_RESERVED_PORTS")
        s.reservedPortsUDP = config.ports("ECS_RESERVED_PORTS_UDP")
        s.prometheusMetrics = config.bool("ECS_ENABLE_PROMETHEUS_METRICS")
        s.loggingDrivers = config.strings("ECS_AVAILABLE_LOGGING_DRIVERS")
        s.privilegedDisabled = config.bool("ECS_DISABLE_PRIVILEGED")
        s.selinuxCapable = config.bool("ECS_SELINUX_CAPABLE")
        s.apparmorCapable = config.bool("ECS_APPARMOR_CAPABLE")
        s.external = config.bool("ECS_EXTERNAL")
        s.dockerHealthCheckDisabled = config.bool("ECS_DISABLE_DOCKER_HEALTH_CHECK")
        s.taskCPUMemLimit = taskCgroups
        s.detailedOSFamily = config.string("ECS_DETAILED_OS_FAMILY")
        s.architecture = HostFacts.architecture
        return s
    }

    func hostResources() -> HostResources {
        HostResources(cpuCount: HostFacts.cpuCount, memoryMiB: HostFacts.memoryMiB() ?? 0)
    }

    /// The identity document and signature, or empty strings when IMDS has none (ECS Anywhere).
    static func identityDocument(_ imds: IMDSClient) async -> (document: String, signature: String) {
        guard await imds.isEnabled, let document = try? await imds.identityDocument(), let signature = try? await imds.identitySignature() else {
            return ("", "")
        }
        return (document, signature)
    }
}
