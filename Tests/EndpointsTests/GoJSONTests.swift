import ECSModel
@testable import Endpoints
import Testing

@Suite struct GoJSONTests {
    @Test func stringsAreEscapedAsGoEscapesThemWithHTMLCharactersAndLineSeparators() {
        let text = GoJSON.string("a\"b\\c\n\r\t\u{8}\u{C}\u{1}<>&/\u{2028}\u{2029}é").text
        #expect(text == #""a\"b\\c\n\r\t\b\f\u0001\u003c\u003e\u0026/\u2028\u2029é""#)
    }

    @Test(arguments: [
        (1024.0, "1024"), (0.25, "0.25"), (1e-7, "1e-7"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
        (123456789.125, "123456789.125"), (0.000001, "0.000001"), (-2.5, "-2.5"), (1.5e-9, "1.5e-9"),
        (2.0, "2"), (0.1, "0.1"), (1.7976931348623157e308, "1.7976931348623157e+308"), (10.0, "10"),
    ])
    func floatsUseGosShortestFormWithoutATrailingPointZero(value: Double, expected: String) {
        #expect(GoJSON.float(value).text == expected)
    }

    @Test func mapsAreSortedByByteValueAndStructsKeepTheirDeclarationOrder() {
        var fields = GoFields()
        fields.add("Zeta", .string("z"))
        fields.add("Labels", .map(["b": "2", "B": "1", "a": "0"]))
        fields.add("Alpha", .int(1))
        #expect(fields.json.text == #"{"Zeta":"z","Labels":{"B":"1","a":"0","b":"2"},"Alpha":1}"#)
    }

    @Test func omitEmptyDropsZeroValuesButNeverAStruct() {
        var fields = GoFields()
        fields.add("S", omitEmpty: .string(""))
        fields.add("I", omitEmpty: .int(0))
        fields.add("B", omitEmpty: .bool(false))
        fields.add("A", omitEmpty: .array([]))
        fields.add("N", omitEmpty: nil)
        fields.add("M", omitEmptyMap: [:])
        fields.add("Struct", omitEmpty: .object([]))
        fields.add("Null", .array(orNull: nil))
        fields.add("Kept", omitEmpty: .int(0 + 3))
        #expect(fields.json.text == #"{"Struct":{},"Null":null,"Kept":3}"#)
    }

    @Test func timestampsAreRFC3339InUTCWithTrailingFractionZerosTrimmed() {
        #expect(CivilTime.rfc3339Nano(seconds: 1_714_557_602, nanoseconds: 500_000_000) == "2024-05-01T10:00:02.5Z")
        #expect(CivilTime.rfc3339Nano(seconds: 1_415_792_726) == "2014-11-12T11:45:26Z")
        #expect(CivilTime.rfc3339Nano(seconds: 1_745_945_777, nanoseconds: 446_028_948) == "2025-04-29T16:56:17.446028948Z")
        #expect(CivilTime.rfc3339Nano(1_714_557_601.123456) == "2024-05-01T10:00:01.123456Z")
        #expect(CivilTime.rfc3339Nano(0) == "1970-01-01T00:00:00Z")
    }
}
