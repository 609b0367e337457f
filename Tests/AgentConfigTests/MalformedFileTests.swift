import AgentTestSupport
import Testing
@testable import AgentConfig

@Suite("Malformed ecs.config files")
struct MalformedFileTests {
    @Test("There are at least 15 malformed files")
    func enough() { #expect(MalformedConfigs.all.count >= 15) }

    @Test("Each malformed file is an error naming the key", arguments: MalformedConfigs.all.map { [$0.name, $0.contents, $0.key] })
    func rejected(fields: [String]) throws {
        let (contents, key) = (fields[1], fields[2])
        let config = load(files: file(contents))
        #expect(config.hasErrors, "\(fields[0]): \(config.problems)")
        #expect(config.errors.contains { $0.key == key }, "\(fields[0]): \(config.problems)")
    }
}

@Suite("Random input never crashes the parser")
struct FuzzTests {
    @Test("Random bytes as an ecs.config file and as the JSON file", arguments: 0..<8)
    func randomBytes(seed: Int) {
        var rng = SeededGenerator(seed: UInt64(seed) &* 7919)
        for _ in 0..<250 {
            let length = Int.random(in: 0..<512, using: &rng)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let text = String(decoding: bytes, as: UTF8.self)
            let config = load(files: file(text), json: text)
            // Whatever it said, every key still has a well-formed resolved value.
            #expect(config.values["ECS_CLUSTER"] != nil)
            _ = config.redactedDump()
        }
    }

    @Test("Mutations of a valid file", arguments: 0..<4)
    func mutations(seed: Int) {
        let valid = Array("ECS_CLUSTER=\"prod\"\nECS_RESERVED_PORTS=[22,80]\nECS_INSTANCE_ATTRIBUTES={\"a\":\"b\"}\nECS_CONTAINER_STOP_TIMEOUT=1m30s\nECS_ENGINE_AUTH_TYPE=docker\nECS_ENGINE_AUTH_DATA={\"r\":{\"username\":\"u\",\"password\":\"p\"}}\n".utf8)
        let alphabet = Array("=\"'\\\n#{}[],:-ms0123456789 \t".utf8)
        var rng = SeededGenerator(seed: UInt64(seed) &+ 1)
        for _ in 0..<500 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] = alphabet.randomElement(using: &rng)!
                case 1: bytes.insert(alphabet.randomElement(using: &rng)!, at: i)
                default: if bytes.count > 1 { bytes.remove(at: i) }
                }
            }
            let config = load(files: file(String(decoding: bytes, as: UTF8.self)))
            #expect(!config.redactedDump().joined().contains("\"p\""))
        }
    }
}
