import Foundation
import Environments
import Model
import Testing
@testable import Harness

/// Issue 21 item 20: a cache path that is a file stopped `run` only after pretraining, with
/// Foundation's raw error. It must stop before any training, naming the path.
struct PretrainCacheTests {
    @Test func aFileWhereTheCacheGoesIsRefusedBeforeTraining() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clvbench-cachetest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("cache")
        try Data("not a directory".utf8).write(to: file)
        var s = TinySettings.make()
        s.cacheDirectory = file
        var logged: [String] = []
        let error = #expect(throws: PretrainCache.Unusable.self) {
            _ = try PreparedWorld(settings: s, similarity: SimilaritySetting(sv: 0.5, sl: 0.5), log: { logged.append($0) })
        }
        #expect(error?.description.hasPrefix(file.path + ": the pretraining cache must be a directory") == true)
        #expect(logged.isEmpty)  // nothing was pretrained
        #expect(try String(contentsOf: file, encoding: .utf8) == "not a directory")  // the file is untouched
    }

    @Test func aMissingCacheDirectoryIsCreated() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clvbench-cachetest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = PretrainCache(directory: dir.appendingPathComponent("a/b"))
        try cache.prepare()
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: cache.directory.path, isDirectory: &isDirectory) && isDirectory.boolValue)
    }
}
