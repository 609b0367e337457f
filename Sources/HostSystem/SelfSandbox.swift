import CSeccomp
import PosixFiles
#if canImport(Glibc)
import Glibc
#endif

/// The agent's own seccomp filter: system calls an ECS agent never makes fail with EPERM, in
/// every thread of the process and in the programs it runs (iptables). It is installed at the
/// start of `ecs-agent run`, before any thread is started, and complements the unit's
/// `SystemCallFilter=`: it holds when the agent runs outside that unit too (by hand, in a
/// container, under another init).
///
/// EPERM rather than a kill: a library that probes for a call (a kernel feature test) gets a
/// clean error, and a bug shows up as an error line, not as a core dump with no log.
public enum SelfSandbox {
    /// Nothing here is needed to run containers through dockerd, serve endpoints, write
    /// iptables rules or read cgroups and /proc. Names unknown on this architecture (iopl on
    /// arm64) are skipped.
    public static let deniedCalls: [String] = [
        // Debugging and reading other processes' memory.
        "ptrace", "process_vm_readv", "process_vm_writev", "perf_event_open", "kcmp",
        // Replacing or stopping the kernel, loading code into it.
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "bpf",
        // Swap, accounting, quotas, the clock, the host's name, raw I/O ports.
        "swapon", "swapoff", "acct", "quotactl", "settimeofday", "clock_settime", "clock_adjtime",
        "sethostname", "setdomainname", "iopl", "ioperm", "vhangup", "syslog",
        // Mounts and file-system roots: dockerd mounts, the agent never does.
        "mount", "umount2", "pivot_root", "chroot", "fsopen", "fsmount", "fsconfig", "move_mount", "open_tree",
        "open_by_handle_at",
        // Namespaces, the kernel keyring, old or risky interfaces.
        "unshare", "setns", "add_key", "request_key", "keyctl", "userfaultfd", "uselib", "personality",
        "lookup_dcookie", "nfsservctl",
    ]

    public struct Installed: Sendable, Equatable {
        /// The calls the filter denies on this architecture.
        public var denied: [String]
        /// Names this architecture does not have.
        public var unknown: [String]
    }

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case initFailed
        case ruleFailed(call: String, errno: Int32)
        case loadFailed(errno: Int32)

        public var description: String {
            switch self {
            case .initFailed: "seccomp_init failed (is libseccomp usable on this kernel?)"
            case .ruleFailed(let call, let errno): "seccomp rule for \(call) failed: \(String(cString: strerror(errno)))"
            case .loadFailed(let errno): "loading the seccomp filter failed: \(String(cString: strerror(errno)))"
            }
        }
    }

    /// Installs the filter for the whole process. Irreversible by design: there is no uninstall.
    public static func install(denying calls: [String] = deniedCalls) throws(Failure) -> Installed {
        guard let context = cseccomp_allow_by_default() else { throw .initFailed }
        defer { seccomp_release(context) }
        var installed = Installed(denied: [], unknown: [])
        for call in calls {
            let number = seccomp_syscall_resolve_name(call)
            guard number >= 0 else {
                installed.unknown.append(call)
                continue
            }
            let rc = cseccomp_deny(context, number, EPERM)
            guard rc == 0 else { throw .ruleFailed(call: call, errno: -rc) }
            installed.denied.append(call)
        }
        let tsync = cseccomp_all_threads(context)
        guard tsync == 0 else { throw .loadFailed(errno: -tsync) }
        let rc = seccomp_load(context)
        guard rc == 0 else { throw .loadFailed(errno: -rc) }
        return installed
    }

    /// What `swapoff` of a path that does not exist returns: EPERM once the filter is in place;
    /// without it ENOENT for a process with CAP_SYS_ADMIN (EPERM without, so the probe only
    /// tells when the agent holds that capability). Harmless either way: nothing is swapped.
    public static func probe() -> Int32 {
        let rc = cseccomp_swapoff("/nonexistent/ecs-agent-seccomp-probe")
        return rc == 0 ? 0 : errno
    }

    /// `Seccomp:` of every thread in /proc/<pid>/task: 2 means a filter is in force.
    public static func threadModes(pid: Int32? = nil) -> [Int32: Int] {
        let pid = pid ?? getpid()
        var modes: [Int32: Int] = [:]
        guard let dir = opendir("/proc/\(pid)/task") else { return modes }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let tid = Int32(name),
                  let status = PosixFile.read("/proc/\(pid)/task/\(tid)/status").text,
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Seccomp:") }),
                  let field = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).last, let mode = Int(field) else { continue }
            modes[tid] = mode
        }
        return modes
    }
}
