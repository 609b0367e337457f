import Testing
@testable import AgentConfig

/// One valid and, where the type has one, one invalid sample per kind of key.
func samples(for kind: ConfigKind) -> (valid: String, invalid: String?) {
    switch kind {
    case .string: ("some-value", nil)
    case .path: ("/tmp/somewhere", "relative/path")
    case .enumeration(let options, _): (options.last!, "not-an-option")
    case .triBool, .plainBool: ("true", "yes please")
    case .duration(let min, _, _): (GoDuration.format(min ?? .seconds(7)), "10 minutes")
    case .integer(let min, let max, _): (String(Swift.max(min, Swift.min(max, 3))), "three")
    case .decimal: ("2.5", "big")
    case .portList: ("[80,8080]", "[80,\"x\"]")
    case .stringList(let allowed?): ("[\"\(allowed[0])\"]", "[\"nope\"]")
    case .stringList(nil): ("[\"a\",\"b\"]", "{\"a\":1}")
    case .stringMap: ("{\"k\":\"v\"}", "{\"k\":1}")
    case .commaList: ("a:1,b:2", nil)
    case .portRange: ("30000-40000", "40000-30000")
    case .rateLimit: ("10,20", "10")
    case .cidrList: ("[\"10.0.0.0/8\"]", "[\"10.0.0.0\"]")
    case .jsonObject: ("{\"a\":{\"b\":\"c\"}}", "[1,2]")
    case .dockerEndpoint: ("unix:///run/d.sock", "http://x")
    }
}

@Suite("Every key of the catalogue")
struct CatalogueTests {
    static let specs = ConfigCatalogue.all

    @Test("Key names are unique and follow the spec's spelling", arguments: specs)
    func namesAreWellFormed(spec: ConfigKeySpec) {
        #expect(spec.name.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" })
        #expect(ConfigCatalogue.byName[spec.name] != nil)
    }

    @Test("A valid value in the environment is taken with its source", arguments: specs)
    func validValueIsTaken(spec: ConfigKeySpec) {
        let (valid, _) = samples(for: spec.kind)
        let config = load(env: ["AWS_DEFAULT_REGION": "us-west-2"].merging([spec.name: valid]) { _, new in new })
        #expect(config.errors(for: spec.name).isEmpty, "\(config.problems)")
        #expect(config.values[spec.name] != nil)
        #expect(config.origins[spec.name] == "environment")
    }

    @Test("A malformed value is an error that names the key, the value and the expected form", arguments: specs)
    func invalidValueIsError(spec: ConfigKeySpec) throws {
        let (_, invalid) = samples(for: spec.kind)
        guard let invalid else { return }  // free-form strings have no malformed value
        let config = load(files: file("\(spec.name)=\(invalid)\n"))
        let errors = config.errors(for: spec.name)
        try #require(errors.count == 1, "\(config.problems)")
        let line = errors[0].description
        #expect(line.contains(spec.name))
        #expect(line.contains("expected"))
        #expect(line.contains("/etc/ecs/ecs.config:1"))
        if !spec.secret { #expect(errors[0].value == invalid) }
        #expect(config.hasErrors)
    }

    @Test("A key set in the JSON file under its Go field name is taken", arguments: specs.filter { $0.jsonField != nil && $0.scope == .agent })
    func jsonFieldIsTaken(spec: ConfigKeySpec) throws {
        let (valid, _) = samples(for: spec.kind)
        guard case .value(let parsed) = spec.kind.parse(text: valid) else {
            Issue.record("sample did not parse")
            return
        }
        let json: String
        switch parsed {
        case .duration(let d): json = String(d.nanosecondsClamped)
        case .bool(let b): json = b ? "true" : "false"
        case .int(let i): json = String(i)
        case .double(let d): json = String(d)
        case .ports, .map: json = valid
        case .strings(let s):
            json = valid.hasPrefix("[") ? valid : "[" + s.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        case .string where spec.kind.isJSONObject: json = valid
        default: json = "\"\(valid)\""
        }
        let config = load(json: "{\"\(spec.jsonField!)\": \(json)}")
        #expect(config.errors(for: spec.name).isEmpty && config.errors(for: spec.jsonField!).isEmpty, "\(config.problems)")
        #expect(config.values[spec.name] == parsed)
        #expect(config.origins[spec.name]?.contains(spec.jsonField!) == true)
    }
}

extension ConfigKind {
    var isJSONObject: Bool {
        if case .jsonObject = self { return true }
        return false
    }
}

extension ConfigKeySpec: CustomTestStringConvertible {
    public var testDescription: String { name }
}
