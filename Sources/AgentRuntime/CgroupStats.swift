import ECSModel
import HostSystem
import PosixFiles
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A container's stats read from the files Docker itself reads (its cgroups, /proc/stat and
/// its network namespace's /proc/<pid>/net/dev), written in the Docker stats JSON shape. No
/// dockerd, containerd or shim work per sample: with 30 containers sampled every 10 s, Docker's
/// one-shot stats cost the host 0.55 CPU-s/min (bench/stats-cpu), this a few milliseconds.
/// cgroup v1 (one hierarchy per controller, any mount layout) and v2.
struct CgroupStats: Sendable {
    /// Reads a whole small file; nil when it cannot.
    var read: @Sendable (String) -> String? = { path in PosixFile.read(path, limit: 1 << 20).text }
    var cpuCount: Int = HostFacts.cpuCount
    var clockTicks: UInt64 = 100

    /// Where each controller is mounted (`cpuacct` → `/sys/fs/cgroup/cpuacct`), and the v2 root.
    struct Mounts: Sendable, Equatable {
        var v1: [String: String] = [:]
        var v2: String?
    }

    /// From /proc/mounts.
    func mounts() -> Mounts {
        var m = Mounts()
        for line in (read("/proc/mounts") ?? "").split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 4 else { continue }
            if f[2] == "cgroup2" { m.v2 = m.v2 ?? String(f[1]) }
            if f[2] == "cgroup" {
                for option in f[3].split(separator: ",") where !["rw", "ro", "relatime", "nosuid", "nodev", "noexec"].contains(option) {
                    m.v1[String(option)] = String(f[1])
                }
            }
        }
        return m
    }

    /// A container's cgroup paths from /proc/<pid>/cgroup: controller → directory.
    func paths(pid: Int, mounts: Mounts) -> (v1: [String: String], v2: String?)? {
        guard let text = read("/proc/\(pid)/cgroup") else { return nil }
        var v1: [String: String] = [:]
        var v2: String?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = String(parts[2])
            if parts[1].isEmpty {
                if let root = mounts.v2 { v2 = root + path }
            } else {
                for controller in parts[1].split(separator: ",") {
                    if let root = mounts.v1[String(controller)] { v1[String(controller)] = root + path }
                }
            }
        }
        return (v1, v2)
    }

    /// One sample as Docker's stats JSON; nil when the container's files are gone (stopped,
    /// restarted under a new pid) or the hierarchy is not one this reader knows.
    func sample(id: String, name: String, pid: Int, networked: Bool, mounts: Mounts, now: Double) -> JSONValue? {
        guard let (v1, v2) = paths(pid: pid, mounts: mounts) else { return nil }
        var o: [String: JSONValue] = ["read": .string(CivilTime.rfc3339Nano(now)), "preread": .string(CivilTime.zeroTime),
                                      "num_procs": .int(0), "name": .string("/" + name), "id": .string(id)]
        if let cpuacct = v1["cpuacct"], let memory = v1["memory"] {
            guard let usage = number(cpuacct + "/cpuacct.usage") else { return nil }
            let times = keyed(cpuacct + "/cpuacct.stat")
            var cpuUsage: [String: JSONValue] = ["total_usage": .int(usage),
                                                 "usage_in_usermode": .int((times["user"] ?? 0) * Int64(1_000_000_000 / clockTicks)),
                                                 "usage_in_kernelmode": .int((times["system"] ?? 0) * Int64(1_000_000_000 / clockTicks))]
            if let percpu = read(cpuacct + "/cpuacct.usage_percpu") {
                cpuUsage["percpu_usage"] = .array(percpu.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int64($0).map(JSONValue.int) })
            }
            let throttled = keyed((v1["cpu"] ?? cpuacct) + "/cpu.stat")
            o["cpu_stats"] = cpuStats(cpuUsage, periods: throttled["nr_periods"], throttledPeriods: throttled["nr_throttled"], throttledTime: throttled["throttled_time"])
            var mem: [String: JSONValue] = [:]
            if let u = number(memory + "/memory.usage_in_bytes") { mem["usage"] = .int(u) }
            if let u = number(memory + "/memory.max_usage_in_bytes") { mem["max_usage"] = .int(u) }
            if let u = number(memory + "/memory.failcnt") { mem["failcnt"] = .int(u) }
            if let u = number(memory + "/memory.limit_in_bytes") { mem["limit"] = .int(u) }
            mem["stats"] = .object(keyed(memory + "/memory.stat").mapValues(JSONValue.int))
            o["memory_stats"] = .object(mem)
            if let pids = v1["pids"] { o["pids_stats"] = pidsStats(pids) }
            if let blkio = v1["blkio"] { o["blkio_stats"] = .object(["io_service_bytes_recursive": v1Blkio(blkio + "/blkio.throttle.io_service_bytes_recursive")]) }
        } else if let dir = v2 {
            let cpu = keyed(dir + "/cpu.stat")
            guard let usage = cpu["usage_usec"] else { return nil }
            let cpuUsage: [String: JSONValue] = ["total_usage": .int(usage * 1000), "usage_in_usermode": .int((cpu["user_usec"] ?? 0) * 1000),
                                                 "usage_in_kernelmode": .int((cpu["system_usec"] ?? 0) * 1000)]
            o["cpu_stats"] = cpuStats(cpuUsage, periods: cpu["nr_periods"], throttledPeriods: cpu["nr_throttled"], throttledTime: cpu["throttled_usec"].map { $0 * 1000 })
            var mem: [String: JSONValue] = [:]
            if let u = number(dir + "/memory.current") { mem["usage"] = .int(u) }
            mem["limit"] = .int(number(dir + "/memory.max") ?? Int64(HostFacts.memoryMiB() ?? 0) << 20)
            mem["stats"] = .object(keyed(dir + "/memory.stat").mapValues(JSONValue.int))
            o["memory_stats"] = .object(mem)
            o["pids_stats"] = pidsStats(dir)
            o["blkio_stats"] = .object(["io_service_bytes_recursive": v2IO(dir + "/io.stat")])
        } else {
            return nil
        }
        if networked, let net = read("/proc/\(pid)/net/dev") { o["networks"] = networks(net) }
        return .object(o)
    }

    private func cpuStats(_ usage: [String: JSONValue], periods: Int64?, throttledPeriods: Int64?, throttledTime: Int64?) -> JSONValue {
        var c: [String: JSONValue] = ["cpu_usage": .object(usage), "online_cpus": .int(Int64(cpuCount)),
                                      "throttling_data": .object(["periods": .int(periods ?? 0), "throttled_periods": .int(throttledPeriods ?? 0),
                                                                  "throttled_time": .int(throttledTime ?? 0)])]
        if let system = systemUsage() { c["system_cpu_usage"] = .int(system) }
        return .object(c)
    }

    private func pidsStats(_ dir: String) -> JSONValue {
        var p: [String: JSONValue] = [:]
        if let current = number(dir + "/pids.current") { p["current"] = .int(current) }
        if let limit = number(dir + "/pids.max") { p["limit"] = .int(limit) }
        return .object(p)
    }

    /// /proc/stat's `cpu` line, user to softirq, in nanoseconds (as Docker computes it).
    func systemUsage() -> Int64? {
        guard let line = read("/proc/stat")?.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let ticks = line.split(separator: " ").dropFirst().prefix(7).compactMap { Int64($0) }.reduce(0, +)
        return ticks * Int64(1_000_000_000 / clockTicks)
    }

    /// `/proc/<pid>/net/dev`, loopback left out, Docker's field names.
    func networks(_ text: String) -> JSONValue {
        var out: [String: JSONValue] = [:]
        for line in text.split(separator: "\n").dropFirst(2) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon].filter { $0 != " " })
            let v = line[line.index(after: colon)...].split(separator: " ").compactMap { Int64($0) }
            guard name != "lo", v.count >= 12 else { continue }
            out[name] = .object(["rx_bytes": .int(v[0]), "rx_packets": .int(v[1]), "rx_errors": .int(v[2]), "rx_dropped": .int(v[3]),
                                 "tx_bytes": .int(v[8]), "tx_packets": .int(v[9]), "tx_errors": .int(v[10]), "tx_dropped": .int(v[11])])
        }
        return .object(out)
    }

    private func v1Blkio(_ path: String) -> JSONValue {
        .array((read(path) ?? "").split(separator: "\n").compactMap { line -> JSONValue? in
            let f = line.split(separator: " ")
            guard f.count == 3, let value = Int64(f[2]) else { return nil }
            let dev = f[0].split(separator: ":").compactMap { Int64($0) }
            guard dev.count == 2 else { return nil }
            return .object(["major": .int(dev[0]), "minor": .int(dev[1]), "op": .string(String(f[1])), "value": .int(value)])
        })
    }

    private func v2IO(_ path: String) -> JSONValue {
        var out: [JSONValue] = []
        for line in (read(path) ?? "").split(separator: "\n") {
            let f = line.split(separator: " ")
            guard let devText = f.first else { continue }
            let dev = devText.split(separator: ":").compactMap { Int64($0) }
            guard dev.count == 2 else { continue }
            for kv in f.dropFirst() {
                let pair = kv.split(separator: "=")
                guard pair.count == 2, let value = Int64(pair[1]) else { continue }
                let op = pair[0] == "rbytes" ? "read" : pair[0] == "wbytes" ? "write" : nil
                if let op { out.append(.object(["major": .int(dev[0]), "minor": .int(dev[1]), "op": .string(op), "value": .int(value)])) }
            }
        }
        return .array(out)
    }

    private func number(_ path: String) -> Int64? {
        guard let text = read(path)?.filter({ !$0.isWhitespace }) else { return nil }
        // A huge v1 limit ("unlimited") exceeds Int64 in some kernels' text; clamp as Docker's uint64 would not.
        return Int64(text) ?? UInt64(text).map { Int64(clamping: $0) }
    }

    private func keyed(_ path: String) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for line in (read(path) ?? "").split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 2, let v = Int64(f[1]) { out[String(f[0])] = v }
        }
        return out
    }
}
