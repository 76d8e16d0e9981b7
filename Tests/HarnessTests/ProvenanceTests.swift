import Foundation
import Testing
@testable import Harness
import ResultStore

/// Code versions of a git tree (docs/provenance.md), checked on a repository made here.
struct ProvenanceTests {
    static func sh(_ args: [String], in dir: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.org"] + args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "git \(args)")
    }

    static func repository() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prov-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try sh(["init", "-q"], in: dir)
        try "one\n".write(toFile: dir + "/method.py", atomically: true, encoding: .utf8)
        try sh(["add", "method.py"], in: dir)
        try sh(["commit", "-q", "-m", "first"], in: dir)
        return dir
    }

    @Test func dirtyTreesAreCommitPlusTheirDiffsHash() throws {
        let dir = try Self.repository()
        let head = ProvenanceProbe.git(["rev-parse", "HEAD"], in: dir)!
        #expect(head.count == 40)
        let clean = ProvenanceProbe.treeVersion(directory: dir)
        #expect(clean.commit == head && !clean.dirty)

        try "two\n".write(toFile: dir + "/method.py", atomically: true, encoding: .utf8)
        let editA = ProvenanceProbe.treeVersion(directory: dir)
        let diffA = ProvenanceProbe.gitData(["diff", "HEAD", "--no-ext-diff", "--no-color", "--binary"], in: dir)!
        #expect(editA.dirty && editA.commit == head + "+" + ProvenanceProbe.sha256Hex(diffA).prefix(12))

        try "three\n".write(toFile: dir + "/method.py", atomically: true, encoding: .utf8)
        let editB = ProvenanceProbe.treeVersion(directory: dir)
        #expect(editB.dirty && editB.commit.hasPrefix(head + "+") && editB.commit != editA.commit)

        // The same edit again is the same version; an untracked file changes nothing.
        try "two\n".write(toFile: dir + "/method.py", atomically: true, encoding: .utf8)
        try "scratch\n".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        #expect(ProvenanceProbe.treeVersion(directory: dir).commit == editA.commit)
        try "one\n".write(toFile: dir + "/method.py", atomically: true, encoding: .utf8)
        #expect(ProvenanceProbe.treeVersion(directory: dir) == (head, false))

        // A second commit is a new clean version; HEAD descends from the first.
        try "two\n".write(toFile: dir + "/method.py", atomically: true, encoding: .utf8)
        try Self.sh(["commit", "-q", "-am", "second"], in: dir)
        let second = ProvenanceProbe.treeVersion(directory: dir)
        #expect(!second.dirty && second.commit != head && second.commit.count == 40)
        #expect(ProvenanceProbe.isAncestor(head, of: second.commit, repository: dir) == true)
        #expect(ProvenanceProbe.isAncestor(second.commit, of: head, repository: dir) == false)
    }

    @Test func outsideGitIsUnknownAndNeverClean() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nogit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let v = ProvenanceProbe.treeVersion(directory: dir)
        #expect(v.commit == "unknown" && v.dirty)
        let m = ProvenanceProbe.methodVersion(explicit: nil, repository: dir)
        #expect(m.commit == "unknown" && m.dirty && m.label == "unknown+dirty")
    }

    @Test func methodVersionPrefersTheExplicitOneThenTheRepository() throws {
        let dir = try Self.repository()
        let head = ProvenanceProbe.git(["rev-parse", "HEAD"], in: dir)!
        #expect(ProvenanceProbe.methodVersion(explicit: "v1.2", repository: dir) == .init(commit: "v1.2", dirty: false, repository: dir))
        #expect(ProvenanceProbe.methodVersion(explicit: nil, repository: dir) == .init(commit: head, dirty: false, repository: dir))
        // Without either, the working directory's tree (where a researcher runs from).
        let fromCwd = ProvenanceProbe.methodVersion(explicit: nil, repository: nil, workingDirectory: dir)
        if ProcessInfo.processInfo.environment["CLVBENCH_CODE_VERSION"] == nil {
            #expect(fromCwd.commit == head && fromCwd.repository.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
                == URL(fileURLWithPath: dir).resolvingSymlinksInPath().path)
        }
    }
}
