#if canImport(Glibc)
import Glibc
#endif
import PosixFiles

/// Gives the pages of start-up-only code back to the kernel once the agent is up.
///
/// Why: most of the agent's idle RSS is its own executable and the Swift runtime libraries,
/// not data. Start-up touches code that never runs again (argument parsing, configuration,
/// registration, store migrations), and the kernel maps file pages around every fault in
/// 64 KiB windows, so after start-up ~13 MiB of the 21 MiB text segment is resident while
/// fewer than 7 MiB are referenced in a minute of steady running (measured with clear_refs).
/// `MADV_PAGEOUT` on the read-only file mappings reclaims the pages only this process maps
/// (shared ones, libc's say, are left alone); the code that keeps running faults back in.
/// Nothing is lost: these pages are clean copies of files on disk.
public enum StartupPages {
    /// `MADV_PAGEOUT` (Linux 5.4); not every Glibc module exports the name.
    static let madvPageout: Int32 = 21

    public struct Outcome: Sendable, Equatable {
        public var mappings: Int
        public var rssBeforeKiB: Int?
        public var rssAfterKiB: Int?
    }

    /// Read-only, file-backed mappings of `/proc/self/maps` text: (start, length).
    static func candidates(maps: String) -> [(start: UInt, length: Int)] {
        maps.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1].count == 4, !fields[1].contains("w"), fields[1].first == "r",
                  fields[4] != "0", fields[5].hasPrefix("/") else { return nil }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16), end > start else { return nil }
            return (start, Int(end - start))
        }
    }

    /// Advises the kernel to page out this process's read-only file mappings. A kernel older
    /// than 5.4 answers EINVAL; that is not an error worth more than the outcome saying 0.
    public static func release() -> Outcome {
        let before = residentKiB()
        guard let maps = PosixFile.read("/proc/self/maps").text else { return Outcome(mappings: 0, rssBeforeKiB: before, rssAfterKiB: before) }
        var count = 0
        for (start, length) in candidates(maps: maps) {
            guard let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            if madvise(address, length, madvPageout) == 0 { count += 1 }
        }
        return Outcome(mappings: count, rssBeforeKiB: before, rssAfterKiB: residentKiB())
    }

    /// VmRSS of /proc/self/status in KiB.
    public static func residentKiB() -> Int? {
        guard let status = PosixFile.read("/proc/self/status").text else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.dropFirst("VmRSS:".count).filter(\.isNumber))
        }
        return nil
    }
}
