#if canImport(Glibc)
import Glibc
#endif

/// Facts about this host read from the kernel: logical CPUs, memory, architecture.
public enum HostFacts {
    /// Online logical CPUs.
    public static var cpuCount: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// `MemTotal` of /proc/meminfo in MiB (nil when unreadable).
    public static func memoryMiB(meminfo path: String = "/proc/meminfo") -> Int? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard text.hasPrefix("MemTotal:") else { continue }
            let digits = text.dropFirst("MemTotal:".count).filter(\.isNumber)
            return Int(digits).map { $0 / 1024 }
        }
        return nil
    }

    /// The architecture in ECS's words: x86_64, arm64 or i386.
    public static var architecture: String {
        var u = utsname()
        uname(&u)
        let machine = withUnsafeBytes(of: &u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        switch machine {
        case "aarch64", "arm64": return "arm64"
        case "i386", "i686": return "i386"
        default: return machine
        }
    }
}
