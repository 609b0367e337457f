import AgentConfig
import AgentRuntime
public import ArgumentParser
public import HostSystem
import Logging
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

@main
struct EcsAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ecs-agent",
        abstract: "A container agent for Amazon ECS, and compatible control planes.",
        version: AgentVersion.summary,
        subcommands: [Run.self, Status.self, CheckConfig.self, Doctor.self, CleanupHost.self, Version.self]
    )
}

/// Options shared by the commands that read configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("file"), help: ArgumentHelp(
        "An ecs.config file to read instead of /var/lib/ecs/ecs.config and /etc/ecs/ecs.config (repeatable; later files win).",
        valueName: "path"))
    var files: [String] = []

    @Flag(help: "Ignore the process environment; read only the files.")
    var ignoreEnvironment = false

    func resolve() -> ResolvedConfig {
        let environment = ignoreEnvironment ? [:] : ProcessInfo.processInfo.environment
        return ConfigLoader.load(.system(environment: environment, envFiles: files.isEmpty ? nil : files))
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the agent: register, hold the ACS and TCS sessions, report task state (what systemd starts)."
    )

    @OptionGroup var config: ConfigOptions
    @Option(help: ArgumentHelp("Where the agent's own log goes: journald, stderr, or auto (journald under systemd, else stderr).", valueName: "destination"))
    var log: LogDestination = .auto

    func run() async throws {
        let resolved = config.resolve()
        let level = AgentLogLevel.parse(resolved.logLevel) ?? .some(.info)
        AgentLogging.bootstrap(destination: log.resolved(environment: ProcessInfo.processInfo.environment), level: level)
        let logger = Logger(label: "ecs-agent")
        logger.notice("starting", metadata: ["version": "\(AgentVersion.summary)"])
        if resolved.bool("ECS_SELF_SANDBOX") { Self.sandbox(logger: logger) }
        let exit = await AgentRunner(config: resolved, environment: ProcessInfo.processInfo.environment, logger: logger).run()
        if exit != .ok { throw ExitCode(exit.rawValue) }
    }

    /// The seccomp filter goes in before the agent starts any work of its own. A kernel that
    /// refuses it costs a warning, not the agent: the unit's SystemCallFilter= still applies.
    static func sandbox(logger: Logger) {
        do {
            let installed = try SelfSandbox.install()
            let probe = SelfSandbox.probe()
            logger.info("self-sandbox installed", metadata: [
                "deniedCalls": "\(installed.denied.count)",
                "probe": "swapoff: \(probe == EPERM ? "EPERM (denied)" : "errno \(probe)")",
            ])
        } catch {
            logger.warning("self-sandbox not installed; continuing without it (ECS_SELF_SANDBOX=false silences this)", metadata: ["error": "\(error)"])
        }
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Print the effective configuration (secrets redacted) and every problem; exit 1 if any is an error."
    )

    @OptionGroup var config: ConfigOptions
    @Flag(help: "Treat warnings as errors.") var strict = false
    @Flag(help: "Print only the problems.") var quiet = false

    func run() async throws {
        let output = ConfigReport.render(config.resolve(), strict: strict, showValues: !quiet)
        print(output.text, terminator: "")
        if output.exitCode != 0 { throw ExitCode(output.exitCode) }
    }
}

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check what the agent depends on: Docker, containerd, disk, the running agent, 169.254.170.2, credentials, the control plane, the clock; exit 1 if a check fails.",
        discussion: "Each check prints ok, warn, FAIL or skip, what it saw and, when it did not pass, what to do."
    )

    @OptionGroup var config: ConfigOptions
    @Flag(help: "Only the Docker checks (no agent, no control plane).") var dockerOnly = false

    func run() async throws {
        let resolved = config.resolve()
        // ECS_LOGLEVEL governs the agent's own log here too; doctor's findings go to stdout.
        let level = AgentLogLevel.parse(resolved.logLevel) ?? .some(.info)
        AgentLogging.bootstrap(destination: .stderr, level: level)
        let logger = Logger(label: "ecs-agent.doctor")
        let environment = config.ignoreEnvironment ? [:] : ProcessInfo.processInfo.environment
        var checks = await AgentRuntime.Doctor(config: resolved, logger: logger).run(dockerOnly ? .docker : .all, environment: environment)
        if resolved.hasErrors {
            checks.insert(.init(name: "configuration", verdict: .failed,
                                detail: resolved.errors.map(\.description).joined(separator: "; ")), at: 0)
        } else {
            checks.insert(.init(name: "configuration", verdict: .ok, detail: "no errors (run check-config for details)"), at: 0)
        }
        let (text, code) = AgentRuntime.Doctor.render(checks)
        print(text, terminator: "")
        if code != 0 { throw ExitCode(code) }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the running agent: cluster, instance ARN, ACS and TCS connections, and its tasks and containers with their statuses and host ports.",
        discussion: "Reads the introspection API (ECS_INTROSPECTION_LISTEN_ADDRESS) and Docker; exit 1 when the agent does not answer."
    )

    @OptionGroup var config: ConfigOptions

    func run() async throws {
        let resolved = config.resolve()
        AgentLogging.bootstrap(destination: .stderr, level: .some(.error))
        let (text, code) = await StatusReport(config: resolved, logger: Logger(label: "ecs-agent.status")).render()
        print(text, terminator: "")
        if code != 0 { throw ExitCode(code) }
    }
}

struct CleanupHost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup-host",
        abstract: "Remove the 169.254.170.2 iptables rules the agent installs and restore route_localnet (the package's purge runs it)."
    )

    @OptionGroup var config: ConfigOptions

    func run() async throws {
        let removed = await HostNetworkSetup.cleanUp(config: config.resolve())
        for rule in removed { print("removed: \(rule)") }
        print(removed.isEmpty ? "no agent rules were installed" : "\(removed.count) rules removed")
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")
    func run() {
        print(AgentVersion.summary)
    }
}

extension LogDestination: ExpressibleByArgument {}
