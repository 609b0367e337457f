import AWSSupport
import ECSModel

/// The ECS cluster query language (memberOf constraints, ListContainerInstances filters):
/// `subject operator [argument]`, combined with and/&&, or/||, not/! and parentheses.
///
/// Subjects: `attribute:<name>`, `task:group`, `agentConnected`, `agentVersion`,
/// `ec2InstanceId`, `registeredAt`, `runningTasksCount`. Operators: `==`/equals, `!=`/not_equals,
/// `>`/greater_than, `>=`/greater_than_equal, `<`/less_than, `<=`/less_than_equal, exists,
/// `!exists`/not_exists, in, `!in`/not_in (a list in `[...]` or `(...)`), `=~`/matches,
/// `!~`/not_matches (a regular expression). `==` takes `*` wildcards (`t2.*`). Values may be
/// quoted with ' or ". A malformed expression is an InvalidParameterException that quotes it and
/// says what was expected where.
indirect enum ClusterQuery: Sendable, Equatable {
    case compare(subject: String, op: Operator, argument: Argument?)
    case and(ClusterQuery, ClusterQuery)
    case or(ClusterQuery, ClusterQuery)
    case not(ClusterQuery)

    enum Operator: String, Sendable, CaseIterable {
        case equals, notEquals, greater, greaterEqual, less, lessEqual, exists, notExists, inList, notInList, matches, notMatches
    }

    enum Argument: Sendable, Equatable {
        case value(String)
        case list([String])
    }

    /// What an expression is evaluated against: one container instance.
    struct Facts: Sendable {
        var attributes: [String: String]
        var ec2InstanceId: String
        var agentConnected: Bool
        var agentVersion: String
        /// Seconds since 1970.
        var registeredAt: Double
        var runningTasksCount: Int
        /// Groups of the tasks on the instance that are not stopped.
        var taskGroups: Set<String>
    }

    // MARK: parsing

    static func parse(_ text: String) throws(AWSError) -> ClusterQuery {
        var parser = Parser(text: text, tokens: try Lexer.tokens(text))
        let query = try parser.expression()
        if let extra = parser.peek { throw parser.error("unexpected '\(extra.text)'", at: extra) }
        return query
    }

    // MARK: evaluation

    func matches(_ facts: Facts) -> Bool {
        switch self {
        case .and(let a, let b): a.matches(facts) && b.matches(facts)
        case .or(let a, let b): a.matches(facts) || b.matches(facts)
        case .not(let q): !q.matches(facts)
        case .compare(let subject, let op, let argument): Self.compare(subject, op, argument, facts)
        }
    }

    static func compare(_ subject: String, _ op: Operator, _ argument: Argument?, _ facts: Facts) -> Bool {
        let values: [String]
        switch argument {
        case .value(let v): values = [v]
        case .list(let l): values = l
        case nil: values = []
        }
        if subject == "task:group" {
            // True when a task of the group runs there (any group of the list for in).
            let hit = facts.taskGroups.contains { g in values.contains { glob($0, g) } }
            switch op {
            case .equals, .inList: return hit
            case .notEquals, .notInList: return !hit
            case .exists: return !facts.taskGroups.isEmpty
            case .notExists: return facts.taskGroups.isEmpty
            case .matches, .notMatches:
                let any = facts.taskGroups.contains { g in values.first.map { regexMatch($0, g) } ?? false }
                return op == .matches ? any : !any
            default: return false
            }
        }
        let actual: String?
        var kind = Kind.text
        switch subject {
        case "agentConnected": actual = facts.agentConnected ? "true" : "false"
        case "agentVersion": actual = facts.agentVersion; kind = .version
        case "ec2InstanceId": actual = facts.ec2InstanceId
        case "registeredAt": actual = String(facts.registeredAt); kind = .date
        case "runningTasksCount": actual = String(facts.runningTasksCount); kind = .number
        default: actual = facts.attributes[String(subject.dropFirst("attribute:".count))]
        }
        switch op {
        case .exists: return actual != nil
        case .notExists: return actual == nil
        default: break
        }
        guard let actual else { return op == .notEquals || op == .notInList || op == .notMatches }
        switch op {
        case .equals: return glob(values.first ?? "", actual)
        case .notEquals: return !glob(values.first ?? "", actual)
        case .inList: return values.contains { glob($0, actual) }
        case .notInList: return !values.contains { glob($0, actual) }
        case .matches: return regexMatch(values.first ?? "", actual)
        case .notMatches: return !regexMatch(values.first ?? "", actual)
        case .greater, .greaterEqual, .less, .lessEqual:
            guard let order = kind.order(actual, values.first ?? "") else { return false }
            switch op {
            case .greater: return order > 0
            case .greaterEqual: return order >= 0
            case .less: return order < 0
            default: return order <= 0
            }
        case .exists, .notExists: return false
        }
    }

    /// How ordered comparisons read their operands.
    enum Kind {
        case text, number, version, date

        /// Sign of `a - b`; nil when the argument cannot be read as this kind.
        func order(_ a: String, _ b: String) -> Int? {
            switch self {
            case .number:
                guard let x = Double(a), let y = Double(b) else { return nil }
                return x < y ? -1 : (x > y ? 1 : 0)
            case .version:
                let x = a.split(separator: ".").map { Int($0.prefix { $0.isNumber }) ?? 0 }
                let y = b.split(separator: ".").map { Int($0.prefix { $0.isNumber }) ?? 0 }
                for i in 0..<max(x.count, y.count) {
                    let (p, q) = (i < x.count ? x[i] : 0, i < y.count ? y[i] : 0)
                    if p != q { return p < q ? -1 : 1 }
                }
                return 0
            case .date:
                guard let x = Double(a), let y = ClusterQuery.date(b) else { return nil }
                return x < y ? -1 : (x > y ? 1 : 0)
            case .text:
                // Attributes: numerically when both sides are numbers, else as text.
                if let x = Double(a), let y = Double(b) { return x < y ? -1 : (x > y ? 1 : 0) }
                return a < b ? -1 : (a > b ? 1 : 0)
            }
        }
    }

    /// `2018-06-18T22:28:28+00:00`, `...Z`, `2018-06-18T22:28:28` (UTC) or `2018-06-18`.
    static func date(_ text: String) -> Double? {
        let digits = text.split(whereSeparator: { "-T:Z+".contains($0) }).map(String.init)
        guard digits.count >= 3, let y = Int64(digits[0]), let m = Int64(digits[1]), let d = Int64(digits[2]), (1...12).contains(m), (1...31).contains(d) else { return nil }
        var seconds = CivilTime.daysFromCivil(y, m, d) * 86400
        if digits.count >= 6, let h = Int64(digits[3]), let mi = Int64(digits[4]), let s = Int64(digits[5]) { seconds += h * 3600 + mi * 60 + s }
        return Double(seconds)
    }

    /// `==` with `*` matching any run of characters.
    static func glob(_ pattern: String, _ value: String) -> Bool {
        guard pattern.contains("*") else { return pattern == value }
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        var rest = Substring(value)
        for (i, part) in parts.enumerated() {
            if i == 0 {
                guard rest.hasPrefix(part) else { return false }
                rest = rest.dropFirst(part.count)
            } else if i == parts.count - 1 {
                return part.isEmpty || (rest.hasSuffix(part) && rest.count >= part.count)
            } else if !part.isEmpty {
                guard let range = rest.firstRange(of: part) else { return false }
                rest = rest[range.upperBound...]
            }
        }
        return rest.isEmpty
    }

    static func regexMatch(_ pattern: String, _ value: String) -> Bool {
        guard let regex = try? Regex(pattern) else { return false }
        return (try? regex.wholeMatch(in: value)) != nil
    }

    // MARK: lexing

    struct Token: Equatable {
        enum Kind: Equatable { case word, quoted, symbol }
        var kind: Kind
        var text: String
        var offset: Int
    }

    enum Lexer {
        static let symbols = ["==", "!=", ">=", "<=", "=~", "!~", "&&", "||", ">", "<", "!", "(", ")", "[", "]", ","]

        static func tokens(_ text: String) throws(AWSError) -> [Token] {
            let chars = Array(text)
            var out: [Token] = []
            var i = 0
            while i < chars.count {
                let c = chars[i]
                if c.isWhitespace { i += 1; continue }
                if c == "'" || c == "\"" {
                    guard let end = chars[(i + 1)...].firstIndex(of: c) else {
                        throw AWSError.invalidParameter("Invalid expression \"\(text)\": the quote at position \(i + 1) is not closed.")
                    }
                    out.append(Token(kind: .quoted, text: String(chars[(i + 1)..<end]), offset: i))
                    i = end + 1
                    continue
                }
                if let symbol = symbols.first(where: { s in chars[i...].starts(with: s) }) {
                    out.append(Token(kind: .symbol, text: symbol, offset: i))
                    i += symbol.count
                    continue
                }
                let start = i
                while i < chars.count, !chars[i].isWhitespace, !"()[],'\"&|=<>!~".contains(chars[i]) { i += 1 }
                // `!` and `=` may sit inside a regular expression or a value only when quoted.
                out.append(Token(kind: .word, text: String(chars[start..<i]), offset: start))
            }
            return out
        }
    }

    // MARK: parser

    struct Parser {
        let text: String
        let tokens: [Token]
        var index = 0

        init(text: String, tokens: [Token]) {
            self.text = text
            self.tokens = tokens
        }

        var peek: Token? { index < tokens.count ? tokens[index] : nil }

        func error(_ what: String, at token: Token?) -> AWSError {
            let position = token.map { "at position \($0.offset + 1)" } ?? "at the end"
            return AWSError.invalidParameter("Invalid expression \"\(text)\": \(what) \(position).")
        }

        func isKeyword(_ token: Token?, _ words: String...) -> Bool {
            guard let token, token.kind != .quoted else { return false }
            return words.contains(token.text.lowercased())
        }

        mutating func expression() throws(AWSError) -> ClusterQuery {
            var left = try conjunction()
            while isKeyword(peek, "or", "||") {
                index += 1
                left = .or(left, try conjunction())
            }
            return left
        }

        mutating func conjunction() throws(AWSError) -> ClusterQuery {
            var left = try unary()
            while isKeyword(peek, "and", "&&") {
                index += 1
                left = .and(left, try unary())
            }
            return left
        }

        mutating func unary() throws(AWSError) -> ClusterQuery {
            guard let token = peek else { throw error("expected a subject such as attribute:ecs.instance-type", at: nil) }
            if isKeyword(token, "not", "!") {
                index += 1
                return .not(try unary())
            }
            if token.kind == .symbol && token.text == "(" {
                index += 1
                let inner = try expression()
                guard let close = peek, close.text == ")" else { throw error("expected ')'", at: peek) }
                _ = close
                index += 1
                return inner
            }
            return try comparison()
        }

        static let subjects = ["agentConnected", "agentVersion", "ec2InstanceId", "registeredAt", "runningTasksCount", "task:group"]

        mutating func comparison() throws(AWSError) -> ClusterQuery {
            let token = peek!
            guard token.kind == .word else { throw error("expected a subject, found '\(token.text)'", at: token) }
            let subject = token.text
            guard Self.subjects.contains(subject) || (subject.hasPrefix("attribute:") && subject.count > "attribute:".count) else {
                throw error("unknown subject '\(subject)' (attribute:<name>, \(Self.subjects.joined(separator: ", ")))", at: token)
            }
            index += 1
            let op = try operation(after: subject)
            try check(op, for: subject, at: token)
            switch op {
            case .exists, .notExists:
                return .compare(subject: subject, op: op, argument: nil)
            case .inList, .notInList:
                return .compare(subject: subject, op: op, argument: .list(try list()))
            default:
                guard let value = peek, value.kind != .symbol else { throw error("expected a value after the operator", at: peek) }
                index += 1
                return .compare(subject: subject, op: op, argument: .value(value.text))
            }
        }

        mutating func operation(after subject: String) throws(AWSError) -> Operator {
            guard let token = peek else { throw error("expected an operator after '\(subject)'", at: nil) }
            index += 1
            let word = token.kind == .quoted ? "" : token.text.lowercased()
            switch word {
            case "==", "equals": return .equals
            case "!=", "not_equals": return .notEquals
            case ">", "greater_than": return .greater
            case ">=", "greater_than_equal": return .greaterEqual
            case "<", "less_than": return .less
            case "<=", "less_than_equal": return .lessEqual
            case "exists": return .exists
            case "not_exists": return .notExists
            case "in": return .inList
            case "not_in": return .notInList
            case "=~", "matches": return .matches
            case "!~", "not_matches": return .notMatches
            case "!":
                if isKeyword(peek, "exists") { index += 1; return .notExists }
                if isKeyword(peek, "in") { index += 1; return .notInList }
            default: break
            }
            throw error("expected an operator after '\(subject)', found '\(token.text)'", at: token)
        }

        /// The operators the documentation lists for each subject.
        func check(_ op: Operator, for subject: String, at token: Token) throws(AWSError) {
            let ordered: Set<Operator> = [.equals, .notEquals, .greater, .greaterEqual, .less, .lessEqual]
            let setLike: Set<Operator> = [.equals, .notEquals, .inList, .notInList, .matches, .notMatches]
            let allowed: Set<Operator>
            switch subject {
            case "agentVersion", "registeredAt", "runningTasksCount": allowed = ordered
            case "agentConnected", "ec2InstanceId": allowed = setLike
            case "task:group": allowed = setLike.union([.exists, .notExists])
            default: allowed = Set(Operator.allCases)
            }
            guard allowed.contains(op) else { throw error("'\(subject)' cannot be compared with this operator", at: token) }
        }

        mutating func list() throws(AWSError) -> [String] {
            guard let open = peek, open.kind == .symbol, open.text == "[" || open.text == "(" else {
                // A single value is a list of one.
                guard let value = peek, value.kind != .symbol else { throw error("expected a list such as [a, b]", at: peek) }
                index += 1
                return [value.text]
            }
            let close = open.text == "[" ? "]" : ")"
            index += 1
            var values: [String] = []
            while true {
                guard let value = peek, value.kind != .symbol else { throw error("expected a value in the list", at: peek) }
                values.append(value.text)
                index += 1
                guard let next = peek, next.kind == .symbol else { throw error("expected ',' or '\(close)'", at: peek) }
                index += 1
                if next.text == close { return values }
                guard next.text == "," else { throw error("expected ',' or '\(close)'", at: next) }
            }
        }
    }
}
