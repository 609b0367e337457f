/// One sample of `GET /containers/{id}/stats` (cgroup v1 and v2 hosts).
public struct ContainerStats: Codable, Sendable {
    public var read: String?
    public var preread: String?
    public var pidsStats: PidsStats?
    public var cpuStats: CPUStats?
    public var precpuStats: CPUStats?
    public var memoryStats: MemoryStats?
    public var networks: [String: NetworkStats]?
    public var blkioStats: BlkioStats?

    public struct PidsStats: Codable, Sendable {
        public var current: Int64?
        public var limit: Int64?
    }

    public struct CPUStats: Codable, Sendable {
        public var cpuUsage: CPUUsage?
        public var systemCPUUsage: UInt64?
        public var onlineCPUs: Int?
        public var throttlingData: Throttling?
        enum CodingKeys: String, CodingKey {
            case cpuUsage = "cpu_usage", systemCPUUsage = "system_cpu_usage", onlineCPUs = "online_cpus"
            case throttlingData = "throttling_data"
        }
    }

    public struct CPUUsage: Codable, Sendable {
        public var totalUsage: UInt64?
        public var percpuUsage: [UInt64]?
        public var usageInKernelmode: UInt64?
        public var usageInUsermode: UInt64?
        enum CodingKeys: String, CodingKey {
            case totalUsage = "total_usage", percpuUsage = "percpu_usage"
            case usageInKernelmode = "usage_in_kernelmode", usageInUsermode = "usage_in_usermode"
        }
    }

    public struct Throttling: Codable, Sendable {
        public var periods: UInt64?
        public var throttledPeriods: UInt64?
        public var throttledTime: UInt64?
        enum CodingKeys: String, CodingKey {
            case periods, throttledPeriods = "throttled_periods", throttledTime = "throttled_time"
        }
    }

    public struct MemoryStats: Codable, Sendable {
        public var usage: UInt64?
        public var maxUsage: UInt64?
        public var limit: UInt64?
        public var stats: [String: UInt64]?
        enum CodingKeys: String, CodingKey { case usage, maxUsage = "max_usage", limit, stats }
    }

    public struct NetworkStats: Codable, Sendable {
        public var rxBytes: UInt64?
        public var rxPackets: UInt64?
        public var txBytes: UInt64?
        public var txPackets: UInt64?
        enum CodingKeys: String, CodingKey {
            case rxBytes = "rx_bytes", rxPackets = "rx_packets", txBytes = "tx_bytes", txPackets = "tx_packets"
        }
    }

    public struct BlkioStats: Codable, Sendable {
        public var ioServiceBytesRecursive: [BlkioEntry]?
        enum CodingKeys: String, CodingKey { case ioServiceBytesRecursive = "io_service_bytes_recursive" }
    }

    public struct BlkioEntry: Codable, Sendable {
        public var major: UInt64?
        public var minor: UInt64?
        public var op: String?
        public var value: UInt64?
    }

    enum CodingKeys: String, CodingKey {
        case read, preread, pidsStats = "pids_stats", cpuStats = "cpu_stats", precpuStats = "precpu_stats"
        case memoryStats = "memory_stats", networks, blkioStats = "blkio_stats"
    }

    /// Memory in use as `docker stats` shows it: usage less page cache (v1 `total_inactive_file`,
    /// v2 `inactive_file`).
    public var memoryWorkingSet: UInt64? {
        guard let usage = memoryStats?.usage else { return nil }
        let stats = memoryStats?.stats ?? [:]
        let cache = stats["total_inactive_file"] ?? stats["inactive_file"] ?? 0
        return usage > cache ? usage - cache : usage
    }
}
