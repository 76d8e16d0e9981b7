import Foundation
import Testing

/// The fault-injection corpus (Tests/CLITests/Fixtures/hostile/README.md): every case is a
/// directory with a case.txt naming the clvbench command to run on its files, the exit status
/// it must end with and fragments its output must contain. Every case must also end by exit,
/// never by a signal or a Swift trap, and leave no private directory in its TMPDIR.
struct HostileInputTests {
    static let root = CLI.packageRoot.appendingPathComponent("Tests/CLITests/Fixtures/hostile")

    /// One case, as read from its case.txt.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var directory: URL
        var arguments: [String]
        var status: Int32
        var expected: [String]
        var absent: [String]
        var testDescription: String { name }
    }

    static func cases() -> [Case] {
        let fm = FileManager.default
        guard let walker = fm.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var out: [Case] = []
        for case let url as URL in walker where url.lastPathComponent == "case.txt" {
            let dir = url.deletingLastPathComponent()
            let name = String(dir.path.dropFirst(root.path.count + 1))
            var c = Case(name: name, directory: dir, arguments: [], status: -1, expected: [], absent: [])
            let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let key = line[..<colon], value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                switch key {
                case "args": c.arguments = value.split(separator: " ").map(String.init)
                case "status": c.status = Int32(value) ?? -1
                case "expect": c.expected.append(value)
                case "absent": c.absent.append(value)
                default: c.expected.append("case.txt: unknown key '\(key)'")  // fails the case visibly
                }
            }
            out.append(c)
        }
        return out.sorted { $0.name < $1.name }
    }

    @Test func theCorpusIsThere() {
        let all = Self.cases()
        #expect(all.count >= 25, "only \(all.count) hostile cases found under \(Self.root.path)")
        for c in all {
            #expect(!c.arguments.isEmpty && c.status >= 0 && !c.expected.isEmpty, "\(c.name): case.txt needs args, status and expect")
        }
    }

    @Test(arguments: cases())
    func hostileInput(_ c: Case) throws {
        let fm = FileManager.default
        let scratch = try CLI.temporaryDirectory()
        defer { try? fm.removeItem(at: scratch) }
        // The case's files are copied so that a command that writes cannot touch the corpus;
        // {case}, {tmp} and {fixtures} are replaced in its text files and in the arguments.
        let work = scratch.appendingPathComponent("case")
        try fm.copyItem(at: c.directory, to: work)
        let tmp = scratch.appendingPathComponent("tmp")
        try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
        func expand(_ s: String) -> String {
            s.replacingOccurrences(of: "{case}", with: work.path).replacingOccurrences(of: "{tmp}", with: tmp.path)
                .replacingOccurrences(of: "{fixtures}", with: Self.root.deletingLastPathComponent().path)
        }
        for name in try fm.contentsOfDirectory(atPath: work.path) where [".yaml", ".json", ".txt"].contains(where: name.hasSuffix) {
            let url = work.appendingPathComponent(name)
            if let text = try? String(contentsOf: url, encoding: .utf8) { try expand(text).write(to: url, atomically: false, encoding: .utf8) }
        }
        var args = c.arguments.map(expand)
        if args.first == "run" && !args.contains("--db") { args += ["--db", tmp.appendingPathComponent("results.sqlite").path] }
        if args.first == "run" && !args.contains("--site") { args += ["--no-report"] }
        let r = try CLI.run(args, environment: ["TMPDIR": tmp.path, "CLVBENCH_HOSTILE_CASE": work.path])
        let output = r.stdout + r.stderr
        #expect(r.status == c.status, "\(c.name): exit status \(r.status), expected \(c.status); output: \(output.prefix(2000))")
        #expect(r.reason == .exit, "\(c.name): killed by signal \(r.status)")
        for bad in ["Fatal error", "Illegal instruction", "Stack dump", "Error Domain="] {
            #expect(!output.contains(bad), "\(c.name): output contains '\(bad)': \(output.prefix(2000))")
        }
        for fragment in c.expected.map(expand) {
            #expect(output.contains(fragment), "\(c.name): output lacks '\(fragment)'; it was: \(output.prefix(2000))")
        }
        for fragment in c.absent.map(expand) {
            #expect(!output.contains(fragment), "\(c.name): output contains '\(fragment)'")
        }
        let left = try fm.contentsOfDirectory(atPath: tmp.path).filter { $0.hasPrefix("clvbench-") }
        #expect(left.isEmpty, "\(c.name): left private directories \(left) in TMPDIR")
    }
}
