public import ECSModel

/// The stats endpoints' source: the last Docker stats sample of a container.
public protocol StatsSource: Sendable {
    func stats(dockerID: String) async -> StatsSample?
}

public struct StatsSample: Sendable {
    /// Docker's stats JSON as read (`GET /containers/{id}/stats?stream=0`).
    public var raw: JSONValue
    /// Bytes per second received and sent since the sample before (v4 `network_rate_stats`).
    public var networkRate: (rx: Double, tx: Double)?

    public init(raw: JSONValue, networkRate: (rx: Double, tx: Double)? = nil) {
        self.raw = raw
        self.networkRate = networkRate
    }

    /// The reference decodes Docker's sample into its v25 types and encodes them again, so the
    /// body has exactly those fields in that order (endpoints.md §5.5); v4 adds the rate.
    public func json(_ v4: Bool) -> GoJSON {
        var f = DockerStatsJSON.render(raw)
        if v4, let rate = networkRate {
            f.add("network_rate_stats", .object([("rx_bytes_per_sec", .float(rate.rx)), ("tx_bytes_per_sec", .float(rate.tx))]))
        }
        return f.json
    }
}

enum DockerStatsJSON {
    static func render(_ s: JSONValue) -> GoFields {
        var f = GoFields()
        f.add("read", .string(s["read"]?.stringValue ?? CivilTime.zeroTime))
        f.add("preread", .string(s["preread"]?.stringValue ?? CivilTime.zeroTime))
        var pids = GoFields()
        pids.add("current", omitEmpty: uint(s["pids_stats"]?["current"]))
        pids.add("limit", omitEmpty: uint(s["pids_stats"]?["limit"]))
        f.add("pids_stats", pids.json)
        var blkio = GoFields()
        for key in ["io_service_bytes_recursive", "io_serviced_recursive", "io_queue_recursive", "io_service_time_recursive",
                    "io_wait_time_recursive", "io_merged_recursive", "io_time_recursive", "sectors_recursive"] {
            blkio.add(key, .array(orNull: s["blkio_stats"]?[key]?.arrayValue?.map { e in
                .object([("major", uint(e["major"]) ?? .uint(0)), ("minor", uint(e["minor"]) ?? .uint(0)),
                         ("op", .string(e["op"]?.stringValue ?? "")), ("value", uint(e["value"]) ?? .uint(0))])
            }))
        }
        f.add("blkio_stats", blkio.json)
        f.add("num_procs", uint(s["num_procs"]) ?? .uint(0))
        var storage = GoFields()
        for key in ["read_count_normalized", "read_size_bytes", "write_count_normalized", "write_size_bytes"] {
            storage.add(key, omitEmpty: uint(s["storage_stats"]?[key]))
        }
        f.add("storage_stats", storage.json)
        f.add("cpu_stats", cpu(s["cpu_stats"]))
        f.add("precpu_stats", cpu(s["precpu_stats"]))
        var memory = GoFields()
        memory.add("usage", omitEmpty: uint(s["memory_stats"]?["usage"]))
        memory.add("max_usage", omitEmpty: uint(s["memory_stats"]?["max_usage"]))
        if case .object(let stats) = s["memory_stats"]?["stats"] ?? .null, !stats.isEmpty {
            memory.add("stats", .map(stats.mapValues { uint($0) ?? .uint(0) }))
        }
        memory.add("failcnt", omitEmpty: uint(s["memory_stats"]?["failcnt"]))
        memory.add("limit", omitEmpty: uint(s["memory_stats"]?["limit"]))
        for key in ["commitbytes", "commitpeakbytes", "privateworkingset"] {
            memory.add(key, omitEmpty: uint(s["memory_stats"]?[key]))
        }
        f.add("memory_stats", memory.json)
        f.add("name", omitEmpty: .string(s["name"]?.stringValue ?? ""))
        f.add("id", omitEmpty: .string(s["id"]?.stringValue ?? ""))
        if case .object(let networks) = s["networks"] ?? .null, !networks.isEmpty {
            f.add("networks", .map(networks.mapValues { n in
                var i = GoFields()
                for key in ["rx_bytes", "rx_packets", "rx_errors", "rx_dropped", "tx_bytes", "tx_packets", "tx_errors", "tx_dropped"] {
                    i.add(key, uint(n[key]) ?? .uint(0))
                }
                i.add("endpoint_id", omitEmpty: .string(n["endpoint_id"]?.stringValue ?? ""))
                i.add("instance_id", omitEmpty: .string(n["instance_id"]?.stringValue ?? ""))
                return i.json
            }))
        }
        return f
    }

    static func cpu(_ c: JSONValue?) -> GoJSON {
        var usage = GoFields()
        usage.add("total_usage", uint(c?["cpu_usage"]?["total_usage"]) ?? .uint(0))
        usage.add("percpu_usage", omitEmpty: c?["cpu_usage"]?["percpu_usage"]?.arrayValue.map { .array($0.map { uint($0) ?? .uint(0) }) })
        usage.add("usage_in_kernelmode", uint(c?["cpu_usage"]?["usage_in_kernelmode"]) ?? .uint(0))
        usage.add("usage_in_usermode", uint(c?["cpu_usage"]?["usage_in_usermode"]) ?? .uint(0))
        var f = GoFields()
        f.add("cpu_usage", usage.json)
        f.add("system_cpu_usage", omitEmpty: uint(c?["system_cpu_usage"]))
        f.add("online_cpus", omitEmpty: uint(c?["online_cpus"]))
        var throttling = GoFields()
        for key in ["periods", "throttled_periods", "throttled_time"] {
            throttling.add(key, uint(c?["throttling_data"]?[key]) ?? .uint(0))
        }
        f.add("throttling_data", throttling.json)
        return f.json
    }

    /// A Docker counter (unsigned in Go) from the parsed sample.
    static func uint(_ v: JSONValue?) -> GoJSON? {
        switch v {
        case .int(let i)?: .uint(UInt64(clamping: i))
        case .double(let d)? where d >= 0 && d < 1.8e19: .uint(UInt64(d))
        default: nil
        }
    }
}
