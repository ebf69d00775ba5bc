import Foundation
import Testing
@testable import MetaRunner

/// How the cache and the output folders are written: whole files under a temporary name renamed into
/// place, flushed to disk once at the end of a run that wrote something; and how the heap is trimmed.
@Suite struct FileWriteTests {
    static func scratch() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("metapipe-write-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("tmp"), withIntermediateDirectories: true)
        return folder
    }

    static func mode(_ path: String) -> mode_t {
        var info = stat()
        stat(path, &info)
        return info.st_mode & 0o7777
    }

    @Test func aFileHoldsExactlyTheBytesWrittenAndNoTemporaryFileIsLeft() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = CacheStore(root: folder)
        let tmp = folder.appendingPathComponent("tmp")
        let target = folder.appendingPathComponent("file.bin")
        var generator = SystemRandomNumberGenerator()
        let large = Data((0..<3_000_001).map { _ in UInt8.random(in: 0...255, using: &generator) })
        for data in [Data(), Data([0]), Data("a line\n".utf8), large] {
            try store.writeAtomically(data, to: target, tmpDir: tmp)
            #expect(FileManager.default.contents(atPath: target.path) == data)
            #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty)
        }
        // The permissions a file written by Foundation gets (0666 less the umask).
        let reference = folder.appendingPathComponent("reference")
        try Data().write(to: reference)
        #expect(Self.mode(target.path) == Self.mode(reference.path))
    }

    @Test func aWriteThatFailsSaysWhereAndLeavesNothing() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = CacheStore(root: folder)
        let tmp = folder.appendingPathComponent("tmp")
        // The temporary file cannot be made: its folder does not exist.
        let missing = folder.appendingPathComponent("no-such-folder")
        #expect {
            try store.writeAtomically(Data("x".utf8), to: folder.appendingPathComponent("a"), tmpDir: missing)
        } throws: { error in
            guard case .io(let message) = error as? RunnerError else { return false }
            return message.contains(folder.appendingPathComponent("a").path) && message.contains("No such file")
        }
        // The rename cannot be made: the target's folder does not exist. The temporary file is removed.
        let target = missing.appendingPathComponent("b")
        #expect {
            try store.writeAtomically(Data("x".utf8), to: target, tmpDir: tmp)
        } throws: { error in
            guard case .io(let message) = error as? RunnerError else { return false }
            return message.contains(target.path)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty)
    }

    @Test func onlyARunThatWroteFlushes() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = CacheStore(root: folder)
        #expect(!store.wroteFiles)
        _ = store.get(String(repeating: "0", count: 64))
        #expect(!store.wroteFiles)
        try store.writeAtomically(Data("x".utf8), to: folder.appendingPathComponent("x"), tmpDir: folder.appendingPathComponent("tmp"))
        #expect(store.wroteFiles)
        store.flushToDisk(alsoUnder: [folder.path, "/no/such/folder"])
        #expect(!store.wroteFiles)
    }

    /// The flush and the trim call glibc functions its Swift module does not import: both are found,
    /// and a name the C library lacks gives nil rather than a pointer to call.
    @Test func theCLibraryFunctionsAreFound() {
        #expect(cLibraryFunction("syncfs", as: (@convention(c) (Int32) -> Int32).self) != nil)
        #expect(cLibraryFunction("malloc_trim", as: (@convention(c) (Int) -> Int32).self) != nil)
        #expect(cLibraryFunction("metapipe_no_such_function", as: (@convention(c) (Int32) -> Int32).self) == nil)
    }

    /// The resident size the trim decision reads is the kernel's, as /proc/self/status reports it.
    @Test func theResidentSizeIsTheKernels() throws {
        let resident = try #require(Runner.residentBytes())
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        let kibibytes = try #require(Int(line.split(separator: " ").dropFirst().first ?? ""))
        // Read a moment apart by a process whose other tests allocate: within 64 MiB of each other.
        #expect(abs(resident - kibibytes * 1024) < 64 << 20)
        #expect(resident > 1 << 20)
    }
}
