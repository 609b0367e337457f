#if canImport(Glibc)
import Glibc
#endif
import CGlibcMalloc
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
            return range(fields[0])
        }
    }

    /// `start-end` (hex) of a /proc/self/maps line as (start, length).
    static func range(_ field: Substring) -> (start: UInt, length: Int)? {
        let bounds = field.split(separator: "-")
        guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16), end > start else { return nil }
        return (start, Int(end - start))
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

/// Gives back, once a burst of work is over, the code pages it faulted in and malloc's free
/// pages.
///
/// Why: a launch burst runs code that steady running does not (create requests, pulls, the
/// store's writes, the endpoints' first answers) and the kernel maps 64 KiB around every code
/// fault: with 30 tasks just launched 16.2 MiB of the executable's code was resident, while
/// 5.3 MiB was referenced in the next 30 s of steady running (clear_refs). `MADV_DONTNEED` on
/// the executable's own code mappings only drops this process's page-table entries: the pages
/// stay in the page cache, and the code that keeps running faults them back cheaply (minor
/// faults, no disk). Only `r-xp` mappings of /proc/self/exe are touched: code is never written,
/// so nothing private can be discarded (the relocated read-only data next to it is left alone).
public enum SettledPages {
    /// `r-xp` mappings of `executable` in `/proc/self/maps` text: (start, length).
    static func codeMappings(maps: String, executable: String) -> [(start: UInt, length: Int)] {
        maps.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, fields[1] == "r-xp", String(fields[5].drop { $0 == " " }) == executable else { return nil }
            return StartupPages.range(fields[0])
        }
    }

    public static func trim() -> StartupPages.Outcome {
        let before = StartupPages.residentKiB()
        var count = 0
        if let maps = PosixFile.read("/proc/self/maps").text, let executable = executablePath() {
            for (start, length) in codeMappings(maps: maps, executable: executable) {
                guard let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
                if madvise(address, length, MADV_DONTNEED) == 0 { count += 1 }
            }
        }
        malloc_trim(0)
        return StartupPages.Outcome(mappings: count, rssBeforeKiB: before, rssAfterKiB: StartupPages.residentKiB())
    }

    static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
