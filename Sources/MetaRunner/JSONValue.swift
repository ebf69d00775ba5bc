import Foundation

/// A JSON value as the cache's own files hold them (manifests, stamps, ledgers, run summaries):
/// objects, arrays, strings and whole numbers. Read without `JSONDecoder`, because a warm run reads one manifest per stage;
/// a file this reader does not take (another shape, a fraction, a damaged file) gives nil and the
/// caller falls back to `JSONDecoder`, so the two never disagree on a file both read.
enum JSONValue: Equatable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case integer(Int64)

    subscript(_ key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    var string: String? { if case .string(let s) = self { return s }; return nil }
    var integer: Int64? { if case .integer(let n) = self { return n }; return nil }
    var fields: [String: JSONValue]? { if case .object(let f) = self { return f }; return nil }
    var elements: [JSONValue]? { if case .array(let e) = self { return e }; return nil }

    /// The string values of an object whose values are all strings.
    var strings: [String: String]? {
        guard let fields else { return nil }
        var out: [String: String] = [:]
        out.reserveCapacity(fields.count)
        for (key, value) in fields {
            guard let s = value.string else { return nil }
            out[key] = s
        }
        return out
    }

    static func parse(_ data: Data) -> JSONValue? {
        data.withUnsafeBytes { raw -> JSONValue? in
            var reader = Reader(bytes: raw.bindMemory(to: UInt8.self))
            guard let value = reader.value() else { return nil }
            reader.skipSpace()
            return reader.index == reader.bytes.count ? value : nil
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var depth = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        mutating func value() -> JSONValue? {
            skipSpace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case 0x7B: return object()
            case 0x5B: return array()
            case 0x22: return string().map(JSONValue.string)
            case 0x2D, 0x30...0x39: return integer()
            default: return nil
            }
        }

        mutating func object() -> JSONValue? {
            depth += 1
            defer { depth -= 1 }
            guard depth < 64 else { return nil }
            index += 1   // {
            var fields: [String: JSONValue] = [:]
            skipSpace()
            if index < bytes.count, bytes[index] == 0x7D { index += 1; return .object(fields) }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == 0x22, let key = string() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == 0x3A else { return nil }
                index += 1
                guard let v = value(), fields.updateValue(v, forKey: key) == nil else { return nil }
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == 0x2C { index += 1; continue }
                if bytes[index] == 0x7D { index += 1; return .object(fields) }
                return nil
            }
        }

        mutating func array() -> JSONValue? {
            depth += 1
            defer { depth -= 1 }
            guard depth < 64 else { return nil }
            index += 1   // [
            var elements: [JSONValue] = []
            skipSpace()
            if index < bytes.count, bytes[index] == 0x5D { index += 1; return .array(elements) }
            while true {
                guard let v = value() else { return nil }
                elements.append(v)
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == 0x2C { index += 1; continue }
                if bytes[index] == 0x5D { index += 1; return .array(elements) }
                return nil
            }
        }

        /// A string without escapes is taken as it is; one with escapes is left to `JSONDecoder`.
        mutating func string() -> String? {
            index += 1   // "
            let start = index
            while index < bytes.count {
                let b = bytes[index]
                if b == 0x22 {
                    let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    // Invalid UTF-8 would have been replaced: leave such a file to the decoder.
                    return s.utf8.count == index - 1 - start ? s : nil
                }
                if b == 0x5C || b < 0x20 { return nil }
                index += 1
            }
            return nil
        }

        mutating func integer() -> JSONValue? {
            var negative = false
            if bytes[index] == 0x2D { negative = true; index += 1 }
            let start = index
            var n: Int64 = 0
            while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int64(bytes[index] - 0x30))
                guard !o1 && !o2 else { return nil }
                n = s
                index += 1
            }
            guard index > start else { return nil }
            // A fraction or an exponent is not a whole number this reader takes.
            if index < bytes.count, bytes[index] == 0x2E || bytes[index] == 0x65 || bytes[index] == 0x45 { return nil }
            return .integer(negative ? -n : n)
        }
    }
}

extension Manifest {
    init?(json: JSONValue) {
        func entries(_ value: JSONValue?) -> [String: Entry]? {
            guard let fields = value?.fields else { return nil }
            var out: [String: Entry] = [:]
            for (name, entry) in fields {
                guard let sha = entry["sha"]?.string, let size = entry["size"]?.integer, entry.fields?.count == 2 else { return nil }
                out[name] = Entry(sha: sha, size: Int(size))
            }
            return out
        }
        guard let fields = json.fields, let id = fields["id"]?.string, let kind = fields["kind"]?.string, let key = fields["key"]?.string,
              let artifacts = entries(fields["artifacts"]), let published = entries(fields["published"]) else { return nil }
        let digest = fields["digest"]?.string
        guard fields.count == (digest == nil ? 5 : 6) else { return nil }
        self.init(id: id, kind: kind, key: key, artifacts: artifacts, published: published, digest: digest)
    }
}

/// Stamps of published files or cache objects by path or SHA: `{"…":{"mtime":…,"sha":…,"size":…}}`.
extension JSONValue {
    func stamps() -> [String: Stamp]? {
        guard let fields else { return nil }
        var out: [String: Stamp] = [:]
        out.reserveCapacity(fields.count)
        for (path, stamp) in fields {
            guard let sha = stamp["sha"]?.string, let size = stamp["size"]?.integer, let mtime = stamp["mtime"]?.integer,
                  stamp.fields?.count == 3 else { return nil }
            out[path] = Stamp(sha: sha, size: Int(size), mtime: mtime)
        }
        return out
    }

    func objectStats() -> [String: CacheStore.ObjectStat]? {
        guard let fields else { return nil }
        var out: [String: CacheStore.ObjectStat] = [:]
        out.reserveCapacity(fields.count)
        for (sha, stat) in fields {
            guard let size = stat["size"]?.integer, let mtime = stat["mtime"]?.integer, stat.fields?.count == 2 else { return nil }
            out[sha] = CacheStore.ObjectStat(size: Int(size), mtime: mtime)
        }
        return out
    }
}

/// Decodes a cache file with the fast reader when it takes the file, otherwise with `JSONDecoder`.
func decodeCacheFile<T: Decodable>(_ type: T.Type, _ data: Data, fast: (JSONValue) -> T?) -> T? {
    if let value = JSONValue.parse(data), let decoded = fast(value) { return decoded }
    return try? JSONDecoder().decode(T.self, from: data)
}
