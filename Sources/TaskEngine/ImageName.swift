/// Image names compared as Docker resolves them: `busybox`, `busybox:latest`,
/// `docker.io/library/busybox:latest` are one image.
public enum ImageName {
    public static func normalized(_ name: String) -> String {
        var n = name
        for prefix in ["docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/"] where n.hasPrefix(prefix) {
            n = String(n.dropFirst(prefix.count))
            break
        }
        if n.contains("@") { return n }
        let last = n.split(separator: "/").last ?? Substring(n)
        return last.contains(":") ? n : n + ":latest"
    }

    /// The repository part of a name, normalized: `busybox:1` and `docker.io/library/busybox`
    /// are `busybox`; `127.0.0.1:5000/app:v2` is `127.0.0.1:5000/app`.
    public static func repository(_ name: String) -> String {
        let n = normalized(name)
        if let at = n.firstIndex(of: "@") { return String(n[..<at]) }
        if let colon = n.lastIndex(of: ":"), !n[colon...].contains("/") { return String(n[..<colon]) }
        return n
    }

    /// The digest a container using `reference` runs: the reference's own when it names one,
    /// else the repo digest of its repository (nil for an image that came from no registry).
    public static func digest(of reference: String, repoDigests: [String]) -> String? {
        if let at = reference.firstIndex(of: "@") { return String(reference[reference.index(after: at)...]) }
        let wanted = repository(reference)
        for entry in repoDigests {
            guard let at = entry.firstIndex(of: "@"), repository(String(entry[..<at])) == wanted else { continue }
            return String(entry[entry.index(after: at)...])
        }
        return nil
    }
}
