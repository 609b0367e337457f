@testable import AgentRuntime
import AgentTestSupport
import ECSModel
import Foundation
import Testing

@Suite struct CgroupStatsTests {
    static let netDev = """
    Inter-|   Receive                                                |  Transmit
     face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
        lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0
      eth0:    1296      16    1    2    0     0          0         0      656       8    3    4    0     0       0          0
    """

    func reader(_ files: [String: String]) -> CgroupStats {
        var stats = CgroupStats(read: { files[$0] })
        stats.cpuCount = 2
        return stats
    }

    @Test func cgroupV1FilesBecomeDockersStatsShape() throws {
        let files = [
            "/proc/mounts": "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,cpu,cpuacct 0 0\ncgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\ncgroup /sys/fs/cgroup/pids cgroup rw,pids 0 0\n",
            "/proc/42/cgroup": "4:pids:/docker/abc\n3:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n0::/docker/abc\n",
            "/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpuacct.usage": "5000000\n",
            "/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpuacct.usage_percpu": "3000000 2000000 \n",
            "/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpuacct.stat": "user 3\nsystem 1\n",
            "/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.stat": "nr_periods 10\nnr_throttled 2\nthrottled_time 777\n",
            "/sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes": "4096000\n",
            "/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": "33554432\n",
            "/sys/fs/cgroup/memory/docker/abc/memory.stat": "cache 1024\ntotal_inactive_file 2048\n",
            "/sys/fs/cgroup/pids/docker/abc/pids.current": "1\n",
            "/sys/fs/cgroup/pids/docker/abc/pids.max": "max\n",
            "/proc/stat": "cpu  10 0 5 100 1 0 0 0 0 0\ncpu0 5 0 2 50 0 0 0 0 0 0\n",
            "/proc/42/net/dev": Self.netDev,
        ]
        let r = reader(files)
        let s = try #require(r.sample(id: "abc", name: "ecs-x", pid: 42, networked: true, mounts: r.mounts(), now: 1_714_557_602.5))
        #expect(s["read"]?.stringValue == "2024-05-01T10:00:02.5Z" && s["name"]?.stringValue == "/ecs-x")
        #expect(s["cpu_stats"]?["cpu_usage"]?["total_usage"]?.intValue == 5_000_000)
        #expect(s["cpu_stats"]?["cpu_usage"]?["percpu_usage"]?.arrayValue?.count == 2)
        #expect(s["cpu_stats"]?["cpu_usage"]?["usage_in_usermode"]?.intValue == 30_000_000)
        #expect(s["cpu_stats"]?["system_cpu_usage"]?.intValue == 1_160_000_000, "116 ticks of 10 ms")
        #expect(s["cpu_stats"]?["throttling_data"]?["throttled_periods"]?.intValue == 2)
        #expect(s["memory_stats"]?["usage"]?.intValue == 4_096_000 && s["memory_stats"]?["limit"]?.intValue == 33_554_432)
        #expect(s["memory_stats"]?["stats"]?["total_inactive_file"]?.intValue == 2048)
        #expect(s["pids_stats"]?["current"]?.intValue == 1 && s["pids_stats"]?["limit"] == nil)
        #expect(s["networks"]?["eth0"]?["tx_dropped"]?.intValue == 4 && s["networks"]?["lo"] == nil)
        // What the TCS collector decodes from it.
        let decoded = try JSONDecoder().decode(DockerEngine.ContainerStats.self, from: Data(s.jsonText.utf8))
        #expect(decoded.memoryWorkingSet == 4_096_000 - 2048)
        #expect(r.sample(id: "abc", name: "x", pid: 43, networked: true, mounts: r.mounts(), now: 0) == nil, "a pid that is gone")
    }

    @Test func cgroupV2FilesToo() throws {
        let files = [
            "/proc/mounts": "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n",
            "/proc/7/cgroup": "0::/system.slice/docker-abc.scope\n",
            "/sys/fs/cgroup/system.slice/docker-abc.scope/cpu.stat": "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n",
            "/sys/fs/cgroup/system.slice/docker-abc.scope/memory.current": "8192\n",
            "/sys/fs/cgroup/system.slice/docker-abc.scope/memory.max": "16777216\n",
            "/sys/fs/cgroup/system.slice/docker-abc.scope/memory.stat": "anon 4096\ninactive_file 1024\n",
            "/sys/fs/cgroup/system.slice/docker-abc.scope/io.stat": "8:0 rbytes=100 wbytes=200 rios=1 wios=2\n",
        ]
        let r = reader(files)
        let s = try #require(r.sample(id: "abc", name: "n", pid: 7, networked: false, mounts: r.mounts(), now: 0))
        #expect(s["cpu_stats"]?["cpu_usage"]?["total_usage"]?.intValue == 2_500_000)
        #expect(s["memory_stats"]?["usage"]?.intValue == 8192 && s["memory_stats"]?["limit"]?.intValue == 16_777_216)
        #expect(s["blkio_stats"]?["io_service_bytes_recursive"]?.arrayValue?.count == 2)
        #expect(s["networks"] == nil)
    }
}
