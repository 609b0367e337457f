import Testing
@testable import ECSModel

@Suite("JSONValue")
struct JSONValueTests {
    @Test("Parses every JSON type and keeps integers apart from fractions")
    func parse() {
        let value = JSONValue.parse(#"{"a":[1,2.5,"x",true,null],"b":{"c":-7}}"#)
        #expect(value?["a"]?.arrayValue == [.int(1), .double(2.5), .string("x"), .bool(true), .null])
        #expect(value?["b"]?["c"]?.intValue == -7)
        #expect(JSONValue.parse("2.0")?.intValue == 2)
        #expect(JSONValue.parse("2.5")?.intValue == nil)
    }

    @Test("Rejects what is not one JSON value", arguments: ["", "{", "[1,", "{'a':1}", "nul", "1 2"])
    func rejects(text: String) {
        #expect(JSONValue.parse(text) == nil)
    }

    @Test("Encodes compactly with sorted keys, and round-trips")
    func encode() {
        let value = JSONValue.object(["b": .int(1), "a": .array([.string("x/y"), .bool(false)])])
        #expect(value.jsonText == #"{"a":["x/y",false],"b":1}"#)
        #expect(JSONValue.parse(value.jsonText) == value)
    }
}
