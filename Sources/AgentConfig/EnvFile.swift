/// The `/etc/ecs/ecs.config` format, read the way an operator expects.
///
/// The Go agent's ecs-init splits each line at the first `=` and keeps everything else
/// literally, so `ECS_CLUSTER="prod"` registers into a cluster named `"prod"` (quotes and
/// all) and `ECS_CLUSTER = prod` is silently ignored. We accept the union of what systemd's
/// `EnvironmentFile=`, `docker --env-file` and ecs-init accept, with the meaning a reader of
/// the file would give it:
///
/// - blank lines, and lines whose first non-blank character is `#` or `;`, are skipped;
/// - an optional `export ` prefix is allowed;
/// - spaces around `=` are allowed (a notice says the Go agent would ignore the line);
/// - a value in matching double quotes loses them, with `\"`, `\\`, `\n`, `\t`, `\$` escapes;
///   a value in single quotes loses them and is taken literally;
/// - an unquoted value is taken as written (inner quotes and `=` kept, so raw JSON such as
///   `ECS_RESERVED_PORTS=[22,80]` works); a trailing `\` continues it on the next line;
/// - a later line for the same key wins, with a warning naming both lines.
///
/// Anything else — a line with no `=`, a key that is not an identifier, an unterminated
/// quote, text after a closing quote — is an error that names the file and line.
public struct EnvFile: Sendable {
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var value: String
        public var line: Int
    }

    public var path: String
    public var entries: [Entry]
    public var problems: [ConfigProblem]

    /// The effective values: later lines win.
    public var values: [String: Entry] {
        var out: [String: Entry] = [:]
        for e in entries { out[e.key] = e }
        return out
    }

    public init(path: String, contents: String) {
        self.path = path
        self.entries = []
        self.problems = []
        parse(contents)
    }

    private mutating func parse(_ contents: String) {
        var text = Substring(contents)
        if text.hasPrefix("\u{FEFF}") { text = text.dropFirst() }
        // "\r\n" is one Character in Swift: split on it as well as on "\n".
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { line -> Substring in line.last == "\r" ? line.dropLast() : line }
        var seen: [String: Int] = [:]
        var index = 0
        while index < lines.count {
            let lineNumber = index + 1
            var line = String(lines[index]).trimmingWhitespace()
            index += 1
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            // Backslash continuation applies to unquoted values, as in systemd.
            while line.hasSuffix("\\") && !line.hasSuffix("\\\\") && index < lines.count && !Self.valueIsQuoted(line) {
                line.removeLast()
                line += String(lines[index]).trimmingWhitespace()
                index += 1
            }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingWhitespace() }
            let location = "\(path):\(lineNumber)"
            guard let eq = line.firstIndex(of: "=") else {
                problems.append(.init(.error, key: String(line.prefix(40)), source: location,
                                      message: "expected KEY=VALUE; this line has no '='"))
                continue
            }
            let rawKey = String(line[..<eq])
            let key = rawKey.trimmingWhitespace()
            let rawValue = String(line[line.index(after: eq)...])
            guard Self.isIdentifier(key) else {
                problems.append(.init(.error, key: key.isEmpty ? "(empty key)" : key, source: location,
                                      message: "not a valid key name; keys are letters, digits and '_', not starting with a digit"))
                continue
            }
            if rawKey != key || rawValue.first?.isWhitespace == true {
                problems.append(.init(.notice, key: key, source: location,
                                      message: "spaces around '=' accepted; the Go agent would ignore this line, write KEY=VALUE to stay portable"))
            }
            let value: String
            switch Self.unquote(rawValue.trimmingWhitespace()) {
            case .success(let v): value = v
            case .failure(let failure):
                problems.append(.init(.error, key: key, value: rawValue.trimmingWhitespace(), source: location,
                                      message: failure.message))
                continue
            }
            if let previous = seen[key] {
                problems.append(.init(.warning, key: key, source: location,
                                      message: "set again; line \(lineNumber) replaces line \(previous)"))
            }
            seen[key] = lineNumber
            entries.append(Entry(key: key, value: value, line: lineNumber))
        }
    }

    struct UnquoteFailure: Error { var message: String }

    static func unquote(_ text: String) -> Result<String, UnquoteFailure> {
        guard let first = text.first, first == "\"" || first == "'" else { return .success(text) }
        var out = ""
        var iterator = text.dropFirst().makeIterator()
        var closed = false
        while let c = iterator.next() {
            if c == first { closed = true; break }
            if c == "\\" && first == "\"" {
                guard let next = iterator.next() else { break }
                switch next {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "\"", "\\", "$", "`": out.append(next)
                default: out.append("\\"); out.append(next)
                }
                continue
            }
            out.append(c)
        }
        guard closed else {
            return .failure(.init(message: "unterminated \(first == "\"" ? "double" : "single") quote; close it on the same line"))
        }
        var rest = String(iterator.map { $0 }).trimmingWhitespace()
        if rest.hasPrefix("#") { rest = "" }
        guard rest.isEmpty else {
            return .failure(.init(message: "unexpected text after the closing quote: \(rest.prefix(20))"))
        }
        return .success(out)
    }

    /// Whether the value part of `KEY=VALUE` starts with a quote (quoted values do not continue).
    static func valueIsQuoted(_ line: String) -> Bool {
        guard let eq = line.firstIndex(of: "=") else { return false }
        let first = line[line.index(after: eq)...].first { !$0.isWhitespace }
        return first == "\"" || first == "'"
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else {
            return false
        }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
