import Testing
@testable import HostSystem

@Suite("Settled page trim")
struct SettledPagesTests {
    @Test("Only the executable's own code mappings are trimmed: not its relocated constants or data, not a library's code")
    func codeMappings() {
        let maps = """
            55d0c0000000-55d0c1000000 r-xp 00000000 fd:01 1234                       /usr/bin/ecs-agent
            55d0c1000000-55d0c1100000 r--p 01000000 fd:01 1234                       /usr/bin/ecs-agent
            55d0c1100000-55d0c1200000 rw-p 01100000 fd:01 1234                       /usr/bin/ecs-agent
            55d0c2000000-55d0c3000000 rw-p 00000000 00:00 0                          [heap]
            7f0000000000-7f0000100000 r-xp 00000000 fd:01 99                         /usr/lib/x86_64-linux-gnu/libc.so.6
            7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]
            """
        let picked = SettledPages.codeMappings(maps: maps, executable: "/usr/bin/ecs-agent")
        #expect(picked.map(\.start) == [0x55d0c0000000])
        #expect(picked.map(\.length) == [0x1000000])
    }

    @Test("A trim is due at the first quiet window after activity, once; never for quiet alone")
    func settleWatch() {
        var watch = SettleWatch()
        let readings = [5, 5, 7, 9, 9, 9, 10, 10, 10]
        let due = readings.map { watch.observe($0) }
        #expect(due == [false, false, false, false, true, false, false, true, false])
    }

    @Test("Trimming this test process leaves it running: its code faults back in")
    func trimSelf() {
        let outcome = SettledPages.trim()
        #expect(outcome.mappings > 0, "the test binary's own code mapping was found through /proc/self/exe")
        #expect(SettledPages.codeMappings(maps: "1000-2000 r-xp 0 fd:01 1 /x", executable: "/x").count == 1)
    }
}
