import Foundation
import Testing
@testable import MetaRunner

/// The cache's own files are written and read without `JSONEncoder`/`JSONDecoder` on a warm run;
/// the bytes and values must be theirs.
@Suite struct CacheFileTests {
    static func encoderBytes<T: Encodable>(_ value: T) throws -> Data { try CanonicalEncoderTests.foundation(value) }

    static let stamps: [String: Stamp] = [
        "bcg/rr/forest.png": Stamp(sha: String(repeating: "a", count: 64), size: 12_345, mtime: 1_796_183_261_381_726_693),
        "bcg/index.html": Stamp(sha: String(repeating: "b", count: 64), size: 0, mtime: -5),
        "b/a b/c-d_e.svg": Stamp(sha: "c", size: 1, mtime: 0),
    ]

    @Test func mapsAreWrittenAsTheEncoderWritesThem() throws {
        #expect(canonicalJSON(Self.stamps) == (try Self.encoderBytes(Self.stamps)))
        let stats = ["00ab": CacheStore.ObjectStat(size: 3, mtime: 42), "ff": CacheStore.ObjectStat(size: 0, mtime: Int64.max)]
        #expect(canonicalJSON(stats) == (try Self.encoderBytes(stats)))
        let ledger = ["rr/forest.png": "ab", "Z": "1", "a": "", "é/ü.csv": "x"]
        #expect(canonicalJSON(ledger) == (try Self.encoderBytes(ledger)))
        // A string the direct writer does not take is left to the encoder, with the same result.
        let quoted = ["a\"b": "c\\d", "line\nbreak": "tab\t"]
        #expect(canonicalJSON(quoted) == (try Self.encoderBytes(quoted)))
        #expect(canonicalJSON([String: String]()) == (try Self.encoderBytes([String: String]())))
    }

    @Test func theReaderGivesTheDecodersValues() throws {
        let data = canonicalJSON(Self.stamps)
        #expect(JSONValue.parse(data)?.stamps() == Self.stamps)
        var manifest = Manifest(id: "p/pool:a", kind: "pool", key: "k", artifacts: ["fit.json": .init(sha: "s1", size: 10)],
                                published: ["p/a/result.json": .init(sha: "s2", size: 20)])
        manifest.digest = manifest.computedDigest()
        let bytes = canonicalJSON(manifest)
        let fast = try #require(JSONValue.parse(bytes).flatMap(Manifest.init(json:)))
        let slow = try JSONDecoder().decode(Manifest.self, from: bytes)
        #expect(canonicalJSON(fast) == canonicalJSON(slow))
        #expect(fast.digest == fast.computedDigest())
    }

    /// What the reader does not take it refuses, and `decodeCacheFile` asks the decoder instead.
    @Test func theReaderRefusesWhatItDoesNotTake() throws {
        for text in ["", "{", "{\"a\":1,}", "{\"a\":1.5}", "{\"a\":\"x\\\"y\"}", "{\"a\":1,\"a\":2}", "[1.5]", "[null]", "{\"a\":99999999999999999999}",
                     "{\"a\":\"b\"} x", "{\"a\":true}"] {
            #expect(JSONValue.parse(Data(text.utf8)) == nil, "\(text)")
        }
        let escaped = Data("{\"a\\\"b\":\"c\"}".utf8)
        #expect(decodeCacheFile([String: String].self, escaped, fast: { $0.strings }) == ["a\"b": "c"])
        #expect(decodeCacheFile([String: String].self, Data("{\"a\":\"b\",\"c\":\"d\"}".utf8), fast: { $0.strings }) == ["a": "b", "c": "d"])
        #expect(decodeCacheFile([String: String].self, Data("not json".utf8), fast: { $0.strings }) == nil)
    }
}
