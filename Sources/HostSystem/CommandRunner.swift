import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Runs a host command (iptables, ip6tables) and says how it went. A narrow protocol so the
/// rules can be checked without touching the host.
public protocol CommandRunner: Sendable {
    func run(_ argv: [String]) async -> CommandResult
}

public struct CommandResult: Sendable, Equatable {
    public var status: Int32
    public var output: String
    public init(status: Int32, output: String) {
        self.status = status
        self.output = output
    }
    public var succeeded: Bool { status == 0 }
}

/// posix_spawnp with stdout and stderr read back, off the cooperative pool (the spawn and the
/// wait block), with a deadline after which the child is killed.
public struct SpawnRunner: CommandRunner {
    public var timeoutSeconds: Int32

    public init(timeoutSeconds: Int32 = 10) {
        self.timeoutSeconds = timeoutSeconds
    }

    public func run(_ argv: [String]) async -> CommandResult {
        let timeout = timeoutSeconds
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Self.spawn(argv, timeout: timeout)) }
        }
    }

    static let searchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    static func spawn(_ argv: [String], timeout: Int32) -> CommandResult {
        guard !argv.isEmpty else { return CommandResult(status: 127, output: "empty command") }
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { return CommandResult(status: 127, output: "pipe: \(String(cString: strerror(errno)))") }
        // Not inherited by children spawned elsewhere meanwhile; the dup2 copies below are.
        _ = fcntl(pipeFDs[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeFDs[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        let env = ["PATH=" + searchPath.joined(separator: ":")]
        var cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer { for p in cEnv { free(p) } }
        var pid: pid_t = 0
        // Looked up here: posix_spawnp searches the caller's PATH, which may be empty or lack
        // the sbin directories (a bare environment, a minimal unit).
        let path = argv[0].contains("/") ? argv[0] : searchPath.map { $0 + "/" + argv[0] }.first { access($0, X_OK) == 0 } ?? argv[0]
        let spawned = posix_spawn(&pid, path, &actions, nil, &cArgs, &cEnv)
        close(pipeFDs[1])
        guard spawned == 0 else {
            close(pipeFDs[0])
            return CommandResult(status: 127, output: "\(argv[0]): \(String(cString: strerror(spawned)))")
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = time(nil) + Int(timeout)
        var pollFD = pollfd(fd: pipeFDs[0], events: Int16(POLLIN), revents: 0)
        var timedOut = true
        while time(nil) < deadline {
            let ready = poll(&pollFD, 1, 200)
            if ready < 0 && errno != EINTR { timedOut = false; break }
            if ready <= 0 { continue }
            let n = buffer.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, $0.count) }
            // End of output: the child has exited (or closed its output); wait for it below.
            if n <= 0 { timedOut = false; break }
            if output.count < 1 << 20 { output += buffer[0..<n] }
        }
        close(pipeFDs[0])
        var status: Int32 = 0
        if timedOut {
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
            return CommandResult(status: 124, output: "\(argv[0]) timed out after \(timeout) s")
        }
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        return CommandResult(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), output: String(decoding: output, as: UTF8.self))
    }
}
