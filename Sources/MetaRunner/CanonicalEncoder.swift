import Foundation

/// Canonical JSON — what `JSONEncoder` writes with `.sortedKeys` and `.withoutEscapingSlashes` —
/// written by an encoder of our own: every stage's parameters are encoded whenever the stage graph
/// is built, and Foundation's encoder spends most of that time boxing values and sorting keys
/// through generic string comparisons. The bytes are the same: keys in UTF-8 byte order, numbers
/// as Swift prints them without a trailing ".0", strings escaped as `JSONEncoder` escapes them.
/// What it does not write itself (dates, data, URLs, decimals, and non-finite numbers unless they
/// are spelled as strings) makes `encode` return nil, and the caller uses `JSONEncoder`.
public enum CanonicalEncoder {
    /// The value's canonical JSON, or nil when the value holds something left to `JSONEncoder`.
    /// With `spellNonFinite`, infinities and NaN are written as the strings "inf", "-inf", "nan"
    /// (as `JSONEncoder`'s `.convertToString` strategy with those names).
    public static func encode<T: Encodable>(_ value: T, spellNonFinite: Bool) -> Data? {
        if foundationOnly { return nil }
        let box = Box()
        let context = Context(spellNonFinite: spellNonFinite)
        do { try context.encode(value, into: box) } catch { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(256)
        box.write(&out)
        return Data(out)
    }

    /// Tests set this (for the work inside `$foundationOnly.withValue(true) { … }`, on that task only,
    /// so that tests running beside it are not affected) to have every value encoded by `JSONEncoder`,
    /// to compare the two.
    @TaskLocal static var foundationOnly = false

    struct Unsupported: Error {}

    final class Box {
        enum Value {
            case empty, null, literal(String), string(String), object(Object), array(Array)
        }
        var value: Value = .empty
        init() {}
        init(_ value: Value) { self.value = value }

        func write(_ out: inout [UInt8]) {
            switch value {
            case .empty: out += [0x7B, 0x7D]
            case .null: out += Swift.Array("null".utf8)
            case .literal(let s): out += s.utf8
            case .string(let s): Box.writeString(s, &out)
            case .object(let o):
                out.append(0x7B)
                let keys = o.fields.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                for (i, key) in keys.enumerated() {
                    if i > 0 { out.append(0x2C) }
                    Box.writeString(key, &out)
                    out.append(0x3A)
                    o.fields[key]!.write(&out)
                }
                out.append(0x7D)
            case .array(let a):
                out.append(0x5B)
                for (i, item) in a.items.enumerated() {
                    if i > 0 { out.append(0x2C) }
                    item.write(&out)
                }
                out.append(0x5D)
            }
        }

        static let hex = Swift.Array("0123456789abcdef".utf8)

        static func writeString(_ s: String, _ out: inout [UInt8]) {
            out.append(0x22)
            for b in s.utf8 {
                switch b {
                case 0x22: out += [0x5C, 0x22]
                case 0x5C: out += [0x5C, 0x5C]
                case 0x0A: out += [0x5C, 0x6E]
                case 0x0D: out += [0x5C, 0x72]
                case 0x09: out += [0x5C, 0x74]
                case 0x08: out += [0x5C, 0x62]
                case 0x0C: out += [0x5C, 0x66]
                case 0x00..<0x20: out += [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]]
                default: out.append(b)
                }
            }
            out.append(0x22)
        }
    }

    final class Object { var fields: [String: Box] = [:] }
    final class Array { var items: [Box] = [] }

    final class Context {
        let spellNonFinite: Bool
        init(spellNonFinite: Bool) { self.spellNonFinite = spellNonFinite }

        func number<F: BinaryFloatingPoint & LosslessStringConvertible>(_ x: F) throws -> Box.Value {
            guard x.isFinite else {
                guard spellNonFinite else { throw Unsupported() }
                return .string(x.isNaN ? "nan" : x < 0 ? "-inf" : "inf")
            }
            var text = x.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            return .literal(text)
        }

        func encode<T: Encodable>(_ value: T, into box: Box) throws {
            switch value {
            case let s as String: box.value = .string(s)
            case let b as Bool: box.value = .literal(b ? "true" : "false")
            case let x as Double: box.value = try number(x)
            case let x as Float: box.value = try number(x)
            case let n as Int: box.value = .literal(String(n))
            case let n as Int64: box.value = .literal(String(n))
            case let n as Int32: box.value = .literal(String(n))
            case let n as UInt: box.value = .literal(String(n))
            case let n as UInt64: box.value = .literal(String(n))
            case let n as UInt32: box.value = .literal(String(n))
            case let n as UInt8: box.value = .literal(String(n))
            case let n as Int8: box.value = .literal(String(n))
            case let n as Int16: box.value = .literal(String(n))
            case let n as UInt16: box.value = .literal(String(n))
            case is Date, is Data, is URL, is Decimal: throw Unsupported()
            default: try value.encode(to: Encoder(box: box, context: self, codingPath: []))
            }
        }
    }

    struct Encoder: Swift.Encoder {
        let box: Box
        let context: Context
        var codingPath: [CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func object() -> Object {
            if case .object(let o) = box.value { return o }
            let o = Object()
            box.value = .object(o)
            return o
        }

        func array() -> Array {
            if case .array(let a) = box.value { return a }
            let a = Array()
            box.value = .array(a)
            return a
        }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            KeyedEncodingContainer(Keyed<Key>(object: object(), context: context, codingPath: codingPath))
        }

        func unkeyedContainer() -> UnkeyedEncodingContainer {
            Unkeyed(array: array(), context: context, codingPath: codingPath)
        }

        func singleValueContainer() -> SingleValueEncodingContainer {
            Single(box: box, context: context, codingPath: codingPath)
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let object: Object
        let context: Context
        var codingPath: [CodingKey]

        func put(_ value: Box.Value, _ key: Key) { object.fields[key.stringValue] = Box(value) }

        mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { put(.literal(value ? "true" : "false"), key) }
        mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
        mutating func encode(_ value: Double, forKey key: Key) throws { put(try context.number(value), key) }
        mutating func encode(_ value: Float, forKey key: Key) throws { put(try context.number(value), key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { put(.literal(String(value)), key) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            let box = Box()
            try context.encode(value, into: box)
            object.fields[key.stringValue] = box
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let box = Box()
            object.fields[key.stringValue] = box
            return Encoder(box: box, context: context, codingPath: codingPath + [key]).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
            let box = Box()
            object.fields[key.stringValue] = box
            return Encoder(box: box, context: context, codingPath: codingPath + [key]).unkeyedContainer()
        }

        mutating func superEncoder() -> Swift.Encoder { superEncoder(named: "super") }
        mutating func superEncoder(forKey key: Key) -> Swift.Encoder { superEncoder(named: key.stringValue) }
        private func superEncoder(named name: String) -> Swift.Encoder {
            let box = Box()
            object.fields[name] = box
            return Encoder(box: box, context: context, codingPath: codingPath)
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let array: Array
        let context: Context
        var codingPath: [CodingKey]
        var count: Int { array.items.count }

        func append(_ value: Box.Value) { array.items.append(Box(value)) }

        mutating func encodeNil() throws { append(.null) }
        mutating func encode(_ value: Bool) throws { append(.literal(value ? "true" : "false")) }
        mutating func encode(_ value: String) throws { append(.string(value)) }
        mutating func encode(_ value: Double) throws { append(try context.number(value)) }
        mutating func encode(_ value: Float) throws { append(try context.number(value)) }
        mutating func encode(_ value: Int) throws { append(.literal(String(value))) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            let box = Box()
            try context.encode(value, into: box)
            array.items.append(box)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let box = Box()
            array.items.append(box)
            return Encoder(box: box, context: context, codingPath: codingPath).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
            let box = Box()
            array.items.append(box)
            return Encoder(box: box, context: context, codingPath: codingPath).unkeyedContainer()
        }

        mutating func superEncoder() -> Swift.Encoder {
            let box = Box()
            array.items.append(box)
            return Encoder(box: box, context: context, codingPath: codingPath)
        }
    }

    struct Single: SingleValueEncodingContainer {
        let box: Box
        let context: Context
        var codingPath: [CodingKey]

        mutating func encodeNil() throws { box.value = .null }
        mutating func encode(_ value: Bool) throws { box.value = .literal(value ? "true" : "false") }
        mutating func encode(_ value: String) throws { box.value = .string(value) }
        mutating func encode(_ value: Double) throws { box.value = try context.number(value) }
        mutating func encode(_ value: Float) throws { box.value = try context.number(value) }
        mutating func encode(_ value: Int) throws { box.value = .literal(String(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws { try context.encode(value, into: box) }
    }
}
