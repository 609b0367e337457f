#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads configuration files with plain POSIX calls: no Foundation, and a clear reason when a
/// file cannot be read.
public enum SystemFiles {
    /// Files larger than this are refused: no configuration file is that big.
    static let maximumSize = 4 << 20

    public static func read(_ path: String) -> FileRead {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let e = errno
            return e == ENOENT || e == ENOTDIR ? .missing : .unreadable(String(cString: strerror(e)))
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .unreadable(String(cString: strerror(errno)))
            }
            if n == 0 { break }
            bytes += buffer[0..<n]
            if bytes.count > maximumSize { return .unreadable("larger than \(maximumSize >> 20) MiB") }
        }
        return .contents(String(decoding: bytes, as: UTF8.self))
    }

    /// The kernel's ephemeral port range, the default of ECS_DYNAMIC_HOST_PORT_RANGE.
    public static func ephemeralPortRange(path: String = "/proc/sys/net/ipv4/ip_local_port_range") -> PortRange? {
        guard case .contents(let text) = read(path) else { return nil }
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        guard parts.count == 2, let a = UInt16(parts[0]), let b = UInt16(parts[1]), a < b else { return nil }
        return .init(start: a, end: b)
    }
}

extension ConfigSources {
    /// The sources of a running agent: the process environment and the files on disk.
    /// `envFiles` replaces the default ecs.config locations (tests and `--file`).
    public static func system(environment: [String: String], envFiles: [String]? = nil) -> ConfigSources {
        ConfigSources(
            environment: environment,
            envFilePaths: envFiles ?? defaultEnvFilePaths,
            ephemeralPortRange: SystemFiles.ephemeralPortRange(),
            readFile: { SystemFiles.read($0) }
        )
    }
}
