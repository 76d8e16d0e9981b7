import Foundation
import GRDB
import Testing
@testable import ResultStore

/// The store against hostile or damaged files (issue 21: items 3, 11, 12, 16, 22, 24).
struct StoreHardeningTests {
    let isRoot = getuid() == 0

    /// A database with one run, closed (so the test edits it as another program would).
    func database() throws -> String {
        let path = StoreTests.temporaryPath()
        try Store(path: path).insert(StoreTests.record())
        return path
    }

    func edit(_ path: String, _ sql: String) throws {
        let q = try DatabaseQueue(path: path)
        try q.write { try $0.execute(sql: sql) }
        try q.close()
    }

    /// Before: stage -1 trapped, column_index 2e9 allocated 16 GB, text in a number column hit a
    /// `try!`. Now: an error naming the table, the row and the column; merge copies nothing.
    @Test(arguments: [
        ("UPDATE accuracy SET stage = -1 WHERE stage = 1", "table accuracy, row 2: stage = -1 is outside 0...1000"),
        ("UPDATE accuracy SET column_index = 2000000000 WHERE stage = 1", "table accuracy, row 2: column_index = 2000000000 is outside"),
        ("UPDATE accuracy SET accuracy = 'high' WHERE stage = 0", "table accuracy, row 1: accuracy holds the text 'high', expected a number"),
        ("UPDATE run SET measured_sv = 'abc'", "table run, row 1: measured_sv holds the text 'abc', expected a number or NULL"),
        ("UPDATE run SET seed = 'x'", "table run, row 1: seed holds the text 'x', expected an integer"),
        ("PRAGMA ignore_check_constraints = ON; UPDATE run SET status = 'weird'", "table run, row 1: status is 'weird', expected done, failed or diverged"),
        ("UPDATE contribution SET stage = 99999", "table contribution, row 1: stage = 99999 is outside"),
        ("UPDATE attribution SET vision_accuracy = X'00ff'", "table attribution, row 1: vision_accuracy holds a blob of 2 bytes"),
        ("UPDATE embedding_stat SET stage = 1.5 WHERE stage = 0", "table embedding_stat, row 1: stage holds the number 1.5, expected an integer"),
        ("UPDATE embedding_stat SET clip_loss = 'low'", "table embedding_stat, row 1: clip_loss holds the text 'low', expected a number or NULL"),
        ("UPDATE metric SET value = 'NaN?' WHERE name = 'last'", "table metric, row"),
        ("UPDATE accuracy SET environment = 'zz' WHERE stage = 1", "table accuracy: run 1, column 0 names 'a' and 'zz'"),
    ])
    func impossibleRowsAreRefusedByName(edit sql: String, expected: String) throws {
        let path = try database()
        try edit(path, sql)
        let store = try Store(path: path, mode: .readOnly)
        do {
            _ = try store.loadRuns()
            Issue.record("read an impossible row: \(sql)")
        } catch let e as StoreError {
            #expect(e.description.contains(expected), "\(e)")
            #expect(e.description.hasPrefix(path))
        }
        #expect(throws: StoreError.self) { _ = try store.export(.jsonl) }
        // merge refuses the source before copying anything, also from a second, sound source.
        let target = try Store(path: StoreTests.temporaryPath())
        let sound = try Store(path: try database(), mode: .readOnly)
        #expect(throws: StoreError.self) { _ = try target.merge(from: [sound, store]) }
        #expect(try target.loadRuns().isEmpty)
    }

    /// Before: `run --db` on a corrupt or newer file said "left untouched" after writing 4096
    /// bytes, the change counter and the schema cookie. Now the checks read only.
    @Test func aRefusedDatabaseIsLeftByteForByte() throws {
        let fm = FileManager.default
        let newer = try database()
        try edit(newer, "INSERT INTO grdb_migrations VALUES ('v99-from-the-future')")
        let corrupt = try database()
        var bytes = [UInt8](fm.contents(atPath: corrupt)!)
        try #require(bytes.count > 3 * 4096)
        for i in (2 * 4096)..<(2 * 4096 + 1500) { bytes[i] = 0x5A }
        try Data(bytes).write(to: URL(fileURLWithPath: corrupt))
        let foreign = StoreTests.temporaryPath()
        try Data("not a database at all, just some text that is long enough".utf8).write(to: URL(fileURLWithPath: foreign))
        for (path, expected) in [(newer, "written by a newer clvbench"), (corrupt, "the database is corrupt"), (foreign, "not a clvbench database")] {
            let before = fm.contents(atPath: path)
            do {
                _ = try Store(path: path)
                Issue.record("\(path) was opened for writing")
            } catch let e as StoreError {
                #expect(e.description.contains(expected) && e.description.contains("left untouched"), "\(e)")
            }
            #expect(fm.contents(atPath: path) == before, "\(expected): the file changed")
            #expect(!fm.fileExists(atPath: path + "-wal") && !fm.fileExists(atPath: path + "-shm"), "\(expected): side files left")
        }
    }

    /// Before: the runs could sit in the -wal file after the writer exited; a copy of the
    /// .sqlite file alone then had no run table. Now a writing store checkpoints when it closes.
    @Test func theDatabaseFileAloneHoldsEveryRunAfterClose() throws {
        let path = StoreTests.temporaryPath()
        do {
            let store = try Store(path: path)
            for k in 0..<5 { try store.insert(StoreTests.record(order: ["a", "b", "\(k)"])) }
            let reader = try Store(path: path, mode: .readOnly)  // another connection open at the same time
            #expect(try reader.loadRuns().count == 5)
        }
        let copy = StoreTests.temporaryPath()
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        #expect(try Store(path: copy, mode: .readOnly).loadRuns().count == 5)
        #expect(((try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0) == 0)
    }

    /// A directory nobody may write (a read-only mount as root, mode 555 otherwise): reading
    /// works; writing is refused with a message naming the directory.
    @Test func aReadOnlyDirectoryCanBeRead() throws {
        let source = try database()
        let ro = try ReadOnlyDirectory(holding: source)
        defer { ro.remove() }
        let store = try Store(path: ro.file, mode: .readOnly)
        #expect(try store.loadRuns().count == 1)
        #expect(try store.export(.csv).contains("finetune"))
        #expect(try store.listing(.suites).count == 1)
        do {
            _ = try Store(path: ro.file)
            Issue.record("opened a database in a read-only directory for writing")
        } catch let e as StoreError {
            #expect(e.description.hasPrefix(ro.directory + ": the directory is read-only"), "\(e)")
        }
    }

    @Test func anUnknownSuiteIsAnError() throws {
        let store = try Store(path: try database(), mode: .readOnly)
        #expect(throws: UnknownNameError.self) { _ = try store.export(.csv, suite: "nosuch") }
        #expect(try store.export(.csv, suite: "s").contains("finetune"))
    }

    /// Before: temp file + rename turned a symbolic link, a FIFO and a device node into plain files.
    @Test func outputFilesNeverReplaceSpecialFiles() throws {
        let fm = FileManager.default
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)").path
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: dir + "/target"))
        try fm.createSymbolicLink(atPath: dir + "/link", withDestinationPath: dir + "/target")
        #expect(mkfifo(dir + "/fifo", 0o644) == 0)
        var cases = [("link", "a symbolic link"), ("fifo", "not a regular file"), (".", "a directory")]
        if isRoot {
            #expect(mknod(dir + "/null", S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0)
            cases.append(("null", "not a regular file"))
        } else {
            try Data("ro".utf8).write(to: URL(fileURLWithPath: dir + "/readonly"))
            chmod(dir + "/readonly", 0o444)
            cases.append(("readonly", "the file is read-only"))
        }
        for (name, expected) in cases {
            #expect(throws: OutputError.self) { try OutputFile.write(Array("new".utf8), to: dir + "/" + name) }
            do { try OutputFile.write(Array("new".utf8), to: dir + "/" + name) } catch let e as OutputError {
                #expect(e.description.contains(expected), "\(e)")
            }
        }
        #expect(try fm.destinationOfSymbolicLink(atPath: dir + "/link") == dir + "/target")
        #expect(fm.contents(atPath: dir + "/target") == Data("keep".utf8))
        var st = stat()
        #expect(lstat(dir + "/fifo", &st) == 0 && (st.st_mode & S_IFMT) == S_IFIFO)
        if isRoot { #expect(lstat(dir + "/null", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR) }
        // A regular file is replaced whole, keeping its permissions; nothing else is left.
        chmod(dir + "/target", 0o640)
        try OutputFile.write(Array("new".utf8), to: dir + "/target")
        #expect(fm.contents(atPath: dir + "/target") == Data("new".utf8))
        #expect(stat(dir + "/target", &st) == 0 && st.st_mode & 0o777 == 0o640)
        #expect(try fm.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }.isEmpty)
    }
}

/// A directory holding a copy of a file that this process cannot write: a read-only tmpfs
/// mount as root (root ignores permission bits), mode 555 otherwise.
struct ReadOnlyDirectory {
    let directory: String
    let file: String
    let mounted: Bool

    init(holding source: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ro-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        file = directory + "/results.sqlite"
        if getuid() == 0 {
            try Self.sh("mount -t tmpfs -o size=8m tmpfs '\(directory)'")
            try FileManager.default.copyItem(atPath: source, toPath: file)
            try Self.sh("mount -o remount,ro '\(directory)'")
            mounted = true
        } else {
            try FileManager.default.copyItem(atPath: source, toPath: file)
            chmod(directory, 0o555)
            mounted = false
        }
    }

    func remove() {
        if mounted { try? Self.sh("umount '\(directory)'") } else { chmod(directory, 0o755) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func sh(_ command: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw StoreError("\(command): exit \(p.terminationStatus)") }
    }
}
