import PosixFiles

/// Configuration files and kernel settings, read through `PosixFile`.
public enum SystemFiles {
    public static func read(_ path: String) -> FileRead {
        switch PosixFile.read(path) {
        case .contents(let text): .contents(text)
        case .missing: .missing
        case .unreadable(let reason): .unreadable(reason)
        }
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
