import Foundation
import Testing

/// The command line against hostile files, paths and full disks (issue 21, files half).
/// Each test reproduces the defect it names; `sh` runs commands needing a shell (ulimit, a FIFO).
@Suite(.serialized) struct FileHardeningCLITests {
    static let smoke = "benchmarks/smoke.yaml"

    /// A smoke-suite database made once for the tests that only read it.
    static let sharedDatabase: String = {
        let dir = try! CLI.temporaryDirectory()
        let db = dir.appendingPathComponent("smoke.sqlite").path
        let r = try! CLI.run(["run", smoke, "--db", db, "--quiet", "--no-report"])
        precondition(r.status == 0, r.stderr)
        return db
    }()

    func sh(_ script: String, cwd: URL? = nil) throws -> CLIResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        p.environment = ProcessInfo.processInfo.environment.merging(["CLVBENCH": CLI.executable.path]) { $1 }
        p.currentDirectoryURL = cwd ?? CLI.packageRoot
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// One line naming the path, no Foundation error dump.
    func oneLine(_ r: CLIResult, _ expected: String, status: Int32, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == status, "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(expected), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(!r.stderr.contains("NSCocoaErrorDomain") && !r.stderr.contains("Error Domain"), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count <= 3, "\(r.stderr)", sourceLocation: sourceLocation)
    }

    // MARK: item 3

    @Test func exportNeverReplacesALinkOrAFifo() throws {
        let db = Self.sharedDatabase
        let dir = try CLI.temporaryDirectory()
        let target = dir.appendingPathComponent("target.csv").path
        try Data("mine".utf8).write(to: URL(fileURLWithPath: target))
        let link = dir.appendingPathComponent("link.csv").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        oneLine(try CLI.run(["export", "--db", db, "--out", link]), "link.csv: a symbolic link; not replaced", status: 1)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        #expect(FileManager.default.contents(atPath: target) == Data("mine".utf8))
        let fifo = dir.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o644) == 0)
        oneLine(try CLI.run(["export", "--db", db, "--out", fifo]), "fifo: not a regular file", status: 1)
        var st = stat()
        #expect(lstat(fifo, &st) == 0 && (st.st_mode & S_IFMT) == S_IFIFO)
        // Slurm scripts: a link in the place of a script stays a link.
        let out = dir.appendingPathComponent("slurm").path
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: out + "/smoke-submit.sh", withDestinationPath: target)
        oneLine(try CLI.run(["plan", Self.smoke, "--slurm", "--out", out]), "smoke-submit.sh: a symbolic link; not replaced", status: 1)
        #expect(FileManager.default.contents(atPath: target) == Data("mine".utf8))
    }

    // MARK: item 4 (and 7: the previous site stays whole)

    /// /dev/full answers every write with ENOSPC: before, `export` and `list` to standard
    /// output on a full disk exited 0 with a truncated file.
    @Test func outputToAFullDeviceExitsNonZero() throws {
        let db = Self.sharedDatabase
        for command in ["export --db '\(db)' --format jsonl", "list runs --db '\(db)'", "list builtins", "plan \(Self.smoke)"] {
            let r = try sh("\"$CLVBENCH\" \(command) > /dev/full")
            #expect(r.status == 1, "\(command): \(r.stderr)")
            #expect(r.stderr.contains("standard output: No space left on device"), "\(command): \(r.stderr)")
        }
    }

    func snapshot(_ dir: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: dir)!
        while let f = e.nextObject() as? String {
            if let d = FileManager.default.contents(atPath: dir + "/" + f) { files[f] = d }
        }
        return files
    }

    /// Root only: a 64 KB tmpfs, mounted and unmounted here. run, report and export on a full
    /// disk: non-zero exit, a clear message, the database intact, the previous site intact.
    @Test func aFullDiskIsReportedAndLosesNothing() throws {
        guard getuid() == 0 else {
            print("skipped aFullDiskIsReportedAndLosesNothing: mounting a tmpfs needs root")
            return
        }
        let dir = try CLI.temporaryDirectory()
        let mnt = dir.appendingPathComponent("full").path
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: true)
        try #require(try sh("mount -t tmpfs -o size=800k tmpfs '\(mnt)'").status == 0)
        defer { _ = try? sh("umount '\(mnt)'") }
        // The database outside the full disk for report and export; on it for run.
        let db = Self.sharedDatabase
        let site = mnt + "/site"
        try #require(try CLI.run(["report", "--db", db, "--out", site]).status == 0)
        let before = try snapshot(site)
        // Fill the disk.
        _ = try sh("dd if=/dev/zero of='\(mnt)/filler' bs=4096 2>/dev/null; sync")
        let report = try CLI.run(["report", "--db", db, "--out", site])
        #expect(report.status == 1 && report.stderr.contains("No space left on device"), "\(report.stderr)")
        #expect(try snapshot(site) == before)
        let export = try sh("\"$CLVBENCH\" export --db '\(db)' --format jsonl > '\(mnt)/x.jsonl'")
        #expect(export.status == 1 && export.stderr.contains("standard output: No space left on device"), "\(export.stderr)")
        let exportOut = try CLI.run(["export", "--db", db, "--format", "jsonl", "--out", mnt + "/y.jsonl"])
        #expect(exportOut.status == 1 && exportOut.stderr.contains("y.jsonl"), "\(exportOut.stderr)")
        #expect(!FileManager.default.fileExists(atPath: mnt + "/y.jsonl"))
        // run: the database on the full disk, holding the smoke suite's runs before.
        try FileManager.default.removeItem(atPath: mnt + "/filler")
        let onDisk = mnt + "/results.sqlite"
        try FileManager.default.copyItem(atPath: Self.sharedDatabase, toPath: onDisk)
        let stored = try CLI.run(["export", "--db", onDisk]).stdout
        _ = try sh("dd if=/dev/zero of='\(mnt)/filler' bs=4096 2>/dev/null; sync")
        let run = try CLI.run(["run", Self.smoke, "--db", onDisk, "--force", "--quiet", "--site", site])
        #expect(run.status == 1, "\(run.stdout) \(run.stderr)")
        #expect(run.stderr.contains("disk is full") || run.stderr.contains("No space left"), "\(run.stderr)")
        try FileManager.default.removeItem(atPath: mnt + "/filler")
        let after = try CLI.run(["export", "--db", onDisk])
        #expect(after.status == 0 && after.stdout == stored, "\(after.stderr)")
        #expect(try CLI.run(["list", "runs", "--db", onDisk]).stdout.split(separator: "\n").count == 7)
        #expect(try snapshot(site) == before)
    }

    // MARK: item 8

    /// Before: `--out 'DIR/slurm$(touch DIR/PWNED)'` made the generated script create PWNED.
    @Test func slurmScriptsQuoteEveryValue() throws {
        let dir = try CLI.temporaryDirectory()
        let out = dir.path + "/slurm$(touch \(dir.path)/PWNED) `touch \(dir.path)/PWNED2` 'q'"
        let plan = try CLI.run(["plan", Self.smoke, "--slurm", "--shards", "1", "--out", out, "--db", out + "/merged.sqlite"])
        try #require(plan.status == 0, "\(plan.stderr)")
        // A fake sbatch records its arguments; the submit script runs for real.
        let bin = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> \"$SBATCH_LOG\"\necho 42\n"
            .write(to: bin.appendingPathComponent("sbatch"), atomically: true, encoding: .utf8)
        chmod(bin.appendingPathComponent("sbatch").path, 0o755)
        let log = dir.appendingPathComponent("sbatch.log").path
        let submit = try sh("PATH='\(bin.path)':$PATH SBATCH_LOG='\(log)' \"$1\"; exit $?".replacingOccurrences(of: "\"$1\"", with: SlurmQuote.quote(out + "/smoke-submit.sh")))
        #expect(submit.status == 0 && submit.stdout == "42 42\n", "\(submit.stderr)")
        let args = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(args.contains("--output=\(out)/logs/smoke-%a.out") && args.contains(out + "/smoke-shards.sbatch"), "\(args)")
        // The array task itself, as Slurm would start it.
        let task = try sh("SLURM_ARRAY_TASK_ID=1 SLURM_CPUS_PER_TASK=1 bash \(SlurmQuote.quote(out + "/smoke-shards.sbatch"))")
        #expect(task.status == 0, "\(task.stderr)")
        #expect(FileManager.default.fileExists(atPath: out + "/shards/smoke-1.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/PWNED") && !FileManager.default.fileExists(atPath: dir.path + "/PWNED2"))
        // A line break cannot be carried: refused, nothing written.
        let newline = try CLI.run(["plan", Self.smoke, "--slurm", "--out", dir.path + "/a\nb"])
        oneLine(newline, "holds a line break", status: 2)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/a\nb"))
    }

    // MARK: items 18, 20, 22

    @Test func compareRefusesUnknownMetricsAndAVersionAgainstItself() throws {
        let db = Self.sharedDatabase
        let typo = try CLI.run(["compare", "latest", "latest", "--db", db, "--threshold", "lats=0.1"])
        #expect(typo.status == 2 && typo.stderr.contains("unknown metric 'lats'"), "\(typo.stderr)")
        let same = try CLI.run(["compare", "latest", "latest", "--db", db])
        #expect(same.status == 2 && same.stderr.contains("compare two different code versions"), "\(same.stderr)")
        let format = try CLI.run(["compare", "latest", "previous", "--db", db, "--format", "html"])
        #expect(format.status == 2 && format.stderr.contains("'text', 'markdown' or 'json'"), "\(format.stderr)")
    }

    @Test func userErrorsAreOneLineNamingThePath() throws {
        let db = Self.sharedDatabase
        let dir = try CLI.temporaryDirectory()
        oneLine(try CLI.run(["export", "--db", db, "--out", "/nonexistent/x.csv"]), "/nonexistent: no such directory", status: 1)
        oneLine(try CLI.run(["export", "--db", db, "--out", dir.path]), "\(dir.path): a directory; name a file", status: 1)
        oneLine(try CLI.run(["metrics", "/dev/null"]), "/dev/null: not a regular file", status: 2)
        oneLine(try CLI.run(["metrics", dir.path]), "\(dir.path): a directory", status: 2)
        let copy = dir.appendingPathComponent("a.sqlite").path, hard = dir.appendingPathComponent("b.sqlite").path
        try FileManager.default.copyItem(atPath: db, toPath: copy)
        #expect(link(copy, hard) == 0)
        oneLine(try CLI.run(["merge", copy, "--into", hard]), "is also a source", status: 2)
        oneLine(try CLI.run(["report", "--db", db, "--out", "/proc/x"]), "/proc", status: 1)
        let cacheAsFile = try CLI.temporaryDirectory()
        try FileManager.default.createDirectory(at: cacheAsFile.appendingPathComponent("results"), withIntermediateDirectories: true)
        try Data().write(to: cacheAsFile.appendingPathComponent("results/site"))
        let siteIsFile = try CLI.run(["report", "--db", db], cwd: cacheAsFile)
        oneLine(siteIsFile, "results/site: exists and is not a directory", status: 1)
    }

    /// Before: duplicate keys in a YAML flow mapping printed the whole file (52 MB for a 50 MB suite).
    @Test func duplicateFlowKeysGiveOneLine() throws {
        let dir = try CLI.temporaryDirectory()
        let suite = dir.appendingPathComponent("dup.yaml")
        let padding = String(repeating: "# padding line to make the file large\n", count: 2000)
        try ("name: dup\n" + padding + "methods: {finetune: 1, finetune: 2}\n").write(to: suite, atomically: true, encoding: .utf8)
        let r = try CLI.run(["plan", suite.path])
        oneLine(r, "dup.yaml:2002:", status: 2)
        #expect(r.stderr.contains("duplicate key(s) 'finetune'") && r.stderr.utf8.count < 400, "\(r.stderr.prefix(500))")
    }

    /// Before: `export --suite nosuch` exited 0 with only a header.
    @Test func unknownSuiteNamesAreErrors() throws {
        let r = try CLI.run(["export", "--db", Self.sharedDatabase, "--suite", "nosuch"])
        oneLine(r, "holds no suite 'nosuch'; suites: smoke", status: 2)
        #expect(r.stdout.isEmpty)
    }

    // MARK: item 21

    /// Before: `run` from another directory stored every run, then failed "template not found".
    @Test func templatesAreFoundFromAnyDirectory() throws {
        let dir = try CLI.temporaryDirectory()
        let r = try CLI.run(["report", "--db", Self.sharedDatabase, "--out", dir.path + "/site"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.path + "/site/style.css"))
        let bad = try CLI.run(["run", CLI.packageRoot.path + "/" + Self.smoke, "--db", dir.path + "/x.sqlite", "--templates", dir.path])
        oneLine(bad, "\(dir.path): no page.xhtml there", status: 1)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/x.sqlite"), "checked before training")
    }

    // MARK: items 16, 24

    /// Before: in 4 of 8 runs the .sqlite file alone held no run table (the runs sat in -wal).
    @Test func aCopyOfTheDatabaseFileAloneHoldsEveryRun() throws {
        let dir = try CLI.temporaryDirectory()
        let db = dir.appendingPathComponent("r.sqlite").path
        let r = try CLI.run(["run", Self.smoke, "--db", db, "--quiet", "--no-report", "--jobs", "2"])
        try #require(r.status == 0, "\(r.stderr)")
        let copy = dir.appendingPathComponent("copy").path
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: db, toPath: copy + "/r.sqlite")
        let list = try CLI.run(["list", "runs", "--db", copy + "/r.sqlite"])
        #expect(list.status == 0 && list.stdout.split(separator: "\n").count == 7, "\(list.stdout) \(list.stderr)")
    }

    // MARK: item 17, output side

    @Test func listNeutralisesEscapeSequences() throws {
        let dir = try CLI.temporaryDirectory()
        let db = dir.appendingPathComponent("esc.sqlite").path
        try FileManager.default.copyItem(atPath: Self.sharedDatabase, toPath: db)
        _ = try sh("python3 -c \"import sqlite3; c = sqlite3.connect('\(db)'); c.execute(\\\"UPDATE run SET method = 'm' || char(27) || '[2J' || char(8238) || 'x'\\\"); c.commit()\"")
        let r = try CLI.run(["list", "methods", "--db", db])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("m\u{FFFD}[2J\u{FFFD}x") && !r.stdout.contains("\u{1B}") && !r.stdout.contains("\u{202E}"), "\(r.stdout)")
    }
}

enum SlurmQuote {
    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
