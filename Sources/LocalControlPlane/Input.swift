import AWSSupport
import ECSModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An operation's input object, with accessors that answer a wrong type or a missing required
/// field with AWS's InvalidParameterException naming the field.
struct Input {
    let object: [String: JSONValue]

    init(_ value: JSONValue) throws {
        switch value {
        case .object(let o): object = o
        case .null: object = [:]
        default: throw AWSError("SerializationException", "The request body must be a JSON object, not \(value.typeName).")
        }
    }

    func string(_ key: String) throws -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let other?: throw AWSError.invalidParameter("\(key) must be a string, not \(other.typeName).")
        }
    }

    func required(_ key: String) throws -> String {
        guard let s = try string(key), !s.isEmpty else {
            throw AWSError.invalidParameter("\(key) is required and cannot be empty.")
        }
        return s
    }

    func int(_ key: String) throws -> Int? {
        switch object[key] {
        case nil, .null?: return nil
        case let v? where v.intValue != nil: return Int(v.intValue!)
        case let other?: throw AWSError.invalidParameter("\(key) must be an integer, not \(other.typeName).")
        }
    }

    func bool(_ key: String) throws -> Bool? {
        switch object[key] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        case let other?: throw AWSError.invalidParameter("\(key) must be a boolean, not \(other.typeName).")
        }
    }

    func double(_ key: String) throws -> Double? {
        switch object[key] {
        case nil, .null?: return nil
        case .int(let i)?: return Double(i)
        case .double(let d)?: return d
        case let other?: throw AWSError.invalidParameter("\(key) must be a number, not \(other.typeName).")
        }
    }

    func strings(_ key: String) throws -> [String] {
        switch object[key] {
        case nil, .null?: return []
        case .array(let items)?:
            return try items.map {
                guard let s = $0.stringValue else { throw AWSError.invalidParameter("\(key) must be a list of strings.") }
                return s
            }
        case let other?: throw AWSError.invalidParameter("\(key) must be a list of strings, not \(other.typeName).")
        }
    }

    /// A list of objects (placementStrategy, ...), empty when absent.
    func array(_ key: String) throws -> [JSONValue] {
        switch object[key] {
        case nil, .null?: return []
        case .array(let items)?: return items
        case let other?: throw AWSError.invalidParameter("\(key) must be a list, not \(other.typeName).")
        }
    }

    /// Decodes a field as `T`, naming the field (and the path inside it) when it does not fit.
    func decode<T: Decodable>(_ key: String, as type: T.Type) throws -> T? {
        guard let value = object[key], value != .null else { return nil }
        do {
            return try JSONDecoder().decode(T.self, from: Data(value.jsonText.utf8))
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw AWSError.invalidParameter("\(path(key, context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(missing, context) {
            throw AWSError.invalidParameter("\(path(key, context.codingPath + [missing])) is required.")
        } catch {
            throw AWSError.invalidParameter("\(key) is not valid: \(error)")
        }
    }

    private func path(_ key: String, _ codingPath: [any CodingKey]) -> String {
        codingPath.reduce(key) { partial, k in
            if let i = k.intValue { return "\(partial)[\(i)]" }
            return "\(partial).\(k.stringValue)"
        }
    }
}
