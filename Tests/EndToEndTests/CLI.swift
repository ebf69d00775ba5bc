import Foundation
import Testing

/// Runs the built `metapipe` binary.
struct CLI {
    static let binary: URL = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("metapipe")
    static let fixtures: URL = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Stage ids with the given status word in the progress lines ("ran", "cached", …).
        func stages(_ word: String) -> Set<String> {
            Set(stdout.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { return nil }
                let rest = line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)
                guard rest.hasPrefix(word + " ") else { return nil }
                var id = rest.dropFirst(word.count).trimmingCharacters(in: .whitespaces)
                if let paren = id.range(of: " (", options: .backwards) { id = String(id[..<paren.lowerBound]) }
                return id
            })
        }
    }

    /// Runs `metapipe args…` in `directory`.
    @discardableResult
    static func run(_ args: [String], in directory: URL) throws -> Result {
        let process = try start(args, in: directory)
        let out = process.standardOutput as! Pipe, err = process.standardError as! Pipe
        // Standard error is drained on another thread, so that a child filling one pipe cannot block
        // while this thread waits on the other.
        nonisolated(unsafe) var stderr = Data()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            stderr = err.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func start(_ args: [String], in directory: URL) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = args
        process.currentDirectoryURL = directory
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        return process
    }
}

/// A private copy of a fixture project in a temporary folder.
final class Project: @unchecked Sendable {
    let root: URL
    init(_ fixture: String) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("metapipe-e2e-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: CLI.fixtures.appendingPathComponent(fixture), to: root)
    }
    deinit { try? FileManager.default.removeItem(at: root) }

    func url(_ path: String) -> URL { root.appendingPathComponent(path) }
    func read(_ path: String) throws -> String { try String(contentsOf: url(path), encoding: .utf8) }
    func write(_ path: String, _ text: String) throws { try text.write(to: url(path), atomically: true, encoding: .utf8) }
    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: url(path).path) }
    /// A JSON object the run wrote ("outputs/demo/pain/result.json").
    func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url(path))) as! [String: Any]
    }

    /// Replaces the first occurrence of `old` in a file.
    func edit(_ path: String, _ old: String, _ new: String) throws {
        let text = try read(path)
        guard let range = text.range(of: old) else { throw CocoaError(.fileReadCorruptFile) }
        try write(path, text.replacingCharacters(in: range, with: new))
    }

    /// Every file under a folder with its bytes, by relative path.
    func tree(_ folder: String) -> [String: Data] { Self.tree(url(folder)) }

    static func tree(_ base: URL) -> [String: Data] {
        var out: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return out }
        for case let file as URL in walker {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory)
            if !isDirectory.boolValue { out[String(file.path.dropFirst(base.path.count + 1))] = try? Data(contentsOf: file) }
        }
        return out
    }

    @discardableResult
    func metapipe(_ args: String...) throws -> CLI.Result { try CLI.run(args, in: root) }
}
