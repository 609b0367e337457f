import Foundation

/// A dockerd of the test's own, on its own socket, data root and containerd namespace, so a test
/// can stop and restart it without touching the daemon every other test uses. Its own bridge
/// (never `--bridge none`: dockerd then deletes docker0, the other daemon's bridge) and no
/// iptables (tasks use network mode none); vfs storage (the busybox image is tiny);
/// live-restore on, as production hosts that want running tasks to survive a dockerd restart run it.
public final class SecondDockerd: @unchecked Sendable {
    public let directory: String
    public var socket: String { directory + "/docker.sock" }
    public var host: String { "unix://" + socket }
    private var process: Process?
    private let name: String

    public init() throws {
        name = "d\(UUID().uuidString.prefix(6).lowercased())"
        // A short path: a Unix socket path must stay under 108 bytes.
        directory = "/tmp/ecs-\(name)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    private var bridge: String { "ecsbr\(name.dropFirst())" }
    private var bridgeMade = false

    public func start() async throws {
        if !bridgeMade {
            // A subnet of its own, from the name, in 10.213.0.0/16.
            let octet = Int(name.dropFirst().prefix(2), radix: 16).map { $0 % 250 + 2 } ?? 2
            for command in [["ip", "link", "add", bridge, "type", "bridge"], ["ip", "addr", "add", "10.213.\(octet).1/24", "dev", bridge],
                            ["ip", "link", "set", bridge, "up"]] {
                let r = try await Subprocess.runDetached { try Subprocess.run(command, environment: [:]) }
                guard r.status == 0 else { throw FixtureError("\(command.joined(separator: " ")): \(r.stderr)") }
            }
            bridgeMade = true
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["dockerd", "--data-root", directory + "/root", "--exec-root", directory + "/exec", "--pidfile", directory + "/docker.pid",
                             "-H", host, "--bridge", bridge, "--iptables=false", "--ip-masq=false", "--storage-driver", "vfs",
                             "--containerd-namespace", name, "--containerd-plugins-namespace", name + "p", "--live-restore"]
        let log = FileHandle(forWritingAtPath: directory + "/dockerd.log") ?? {
            _ = FileManager.default.createFile(atPath: directory + "/dockerd.log", contents: nil)
            return FileHandle(forWritingAtPath: directory + "/dockerd.log")!
        }()
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        ChildReaper.register(process.processIdentifier)
        self.process = process
        try await eventually(timeout: .seconds(30), "the second dockerd to answer") {
            guard process.isRunning else { throw FixtureError("dockerd exited: \(self.log.suffix(2000))") }
            let host = self.host
            return (try? await Subprocess.runDetached { try Subprocess.run(["docker", "-H", host, "version", "--format", "{{.Server.Version}}"], environment: [:]) }.status) == 0
        }
    }

    /// SIGTERM and wait: with live-restore the containers keep running.
    public func stop() async {
        guard let process, process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(30)
        await waitForExit(process, limit: deadline - ContinuousClock.now)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        ChildReaper.unregister(process.processIdentifier)
    }

    public var log: String { (try? String(contentsOfFile: directory + "/dockerd.log", encoding: .utf8)) ?? "" }

    /// `docker -H <this daemon> args...`, off the cooperative threads (a CLI takes a while).
    @discardableResult
    public func docker(_ arguments: [String]) async throws -> Subprocess.Result {
        let host = self.host
        return try await Subprocess.runDetached { try Subprocess.run(["docker", "-H", host] + arguments, environment: ProcessInfo.processInfo.environment) }
    }

    /// Removes every container, stops the daemon and deletes its directory.
    public func destroy() async {
        if process?.isRunning == true, let ids = try? await docker(["ps", "-aq"]).stdout.split(separator: "\n").map(String.init), !ids.isEmpty {
            _ = try? await docker(["rm", "-f"] + ids)
        }
        await stop()
        let (directory, bridge, bridgeMade) = (self.directory, self.bridge, self.bridgeMade)
        // dockerd leaves its data root mounted on itself.
        let mounts = ((try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? "").split(separator: "\n")
            .compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) }.filter { $0.hasPrefix(directory + "/") }
        _ = try? await Subprocess.runDetached {
            for mount in mounts.sorted().reversed() { _ = try? Subprocess.run(["umount", "-l", mount], environment: [:]) }
            if bridgeMade { _ = try? Subprocess.run(["ip", "link", "del", bridge], environment: [:]) }
            _ = try? Subprocess.run(["rm", "-rf", directory], environment: [:])
        }
    }
}
