import Testing
@testable import HostSystem

@Suite("Start-up page release")
struct StartupPagesTests {
    @Test("Only read-only mappings of files are candidates: code and constants, not data, heap, stack or anonymous memory")
    func candidates() {
        let maps = """
            55d0c0000000-55d0c1000000 r-xp 00000000 fd:01 1234 /usr/bin/ecs-agent
            55d0c1000000-55d0c1100000 r--p 01000000 fd:01 1234 /usr/bin/ecs-agent
            55d0c1100000-55d0c1200000 rw-p 01100000 fd:01 1234 /usr/bin/ecs-agent
            55d0c2000000-55d0c3000000 rw-p 00000000 00:00 0 [heap]
            7f0000000000-7f0000100000 r-xp 00000000 fd:01 99 /usr/lib/x86_64-linux-gnu/libc.so.6
            7f0000200000-7f0000201000 ---p 00000000 00:00 0
            7f0000300000-7f0000400000 r--p 00000000 00:00 0
            7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0 [vdso]
            """
        let picked = StartupPages.candidates(maps: maps)
        #expect(picked.map(\.start) == [0x55d0c0000000, 0x55d0c1000000, 0x7f0000000000])
        #expect(picked.map(\.length) == [0x1000000, 0x100000, 0x100000])
    }

    @Test("Releasing this test process's pages leaves it running, and its code faults back in")
    func releaseSelf() {
        let outcome = StartupPages.release()
        #expect(outcome.mappings > 0, "the test binary has read-only file mappings")
        #expect(outcome.rssBeforeKiB != nil && outcome.rssAfterKiB != nil)
        // Code paged out a moment ago runs again.
        #expect(StartupPages.candidates(maps: "1000-2000 r-xp 0 fd:01 1 /x").count == 1)
    }
}
