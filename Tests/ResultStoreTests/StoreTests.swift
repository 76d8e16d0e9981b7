import Analysis
import Foundation
import GRDB
import Testing
@testable import ResultStore

struct StoreTests {
    /// Stores `record`, runs `sql` on the file behind the store's back, and expects reading the
    /// runs back to be refused with a message that starts with the file and names the row.
    static func expectRefused(_ record: RunRecord, after sql: String, naming expected: String) throws {
        let path = temporaryPath()
        try Store(path: path).insert(record)
        let q = try DatabaseQueue(path: path)
        try q.write { try $0.execute(sql: sql) }
        try q.close()
        let store = try Store(path: path, mode: .readOnly)
        do {
            _ = try store.loadRuns()
            Issue.record("read an impossible row: \(sql)")
        } catch let e as StoreError {
            #expect(e.description.hasPrefix(path) && e.description.contains(expected), "\(e)")
        }
    }

    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString).sqlite").path
    }

    static func record(order: [String] = ["a", "b"], status: RunRecord.Status = .done, commit: String = "abc", value: Double = 0.5) -> RunRecord {
        let p = RunRecord.Provenance(commit: commit, dirty: false, cpu: "cpu", cores: 2, os: "os", swift: "6", openblas: "0.3.21",
                                     openblasCore: "Haswell", threads: 1)
        var r = RunRecord(cellHash: "cell-" + order.joined(), suiteName: "s", suiteHash: "h", suiteText: "name: s",
                          methodLabel: "finetune", methodName: "finetune", methodParameters: "{}", sv: 0.5, sl: 0.25, seed: 1,
                          order: order, status: status, message: status == .failed ? "boom" : nil, measuredSV: 0.1,
                          measuredSL: nil, wallSeconds: 1.5, finishedAt: "2026-01-01T00:00:00Z", provenance: p)
        r.accuracy = [.init(stage: 0, column: 0, environment: "a", heldOut: false, accuracy: value, loss: 1),
                      .init(stage: 1, column: 0, environment: "a", heldOut: false, accuracy: 0.9, loss: 0.2)]
        r.metrics = ["last": 0.9, "fwt": nil]
        r.contributions = [.init(stage: 2, trained: "b", earlier: "a", sv: 0.1, sl: 0.2, sxEarlierTrained: 0.3,
                                 sxTrainedEarlier: 0.4, driftVision: 0.9, driftLanguage: 0.95, forgetting: 0.05)]
        r.attributions = [.init(stage: 1, environment: "a", accuracy: GroupValues(vision: 0.1, language: 0.2, shared: 0.0),
                                 loss: GroupValues(vision: -0.1, language: -0.2, shared: 0))]
        r.embeddings = [.init(stage: 0, environment: "a", alignment: 0.3, modalityGap: 0.7, clipLoss: 1.25),
                        .init(stage: 1, environment: "a", alignment: 0.4, modalityGap: 0.6)]
        return r
    }

    @Test func roundTripsEveryField() throws {
        let store = try Store(path: Self.temporaryPath())
        var r = Self.record()
        r.model = "vit-bag"
        r.trainingProtocol = "frozen"
        #expect(try store.insert(r) == .inserted(id: 1))
        let back = try store.loadRuns()
        #expect(back.count == 1 && back[0].record == r && back[0].record.trainingProtocol == "frozen")
        // A stored CLIP loss and a missing one (external runs) both survive: 1.25 and NULL.
        #expect(back[0].record.embeddings.map(\.clipLoss) == [1.25, nil])
        let csv = try store.export(.csv).split(separator: "\n")
        #expect(csv[0].hasPrefix("run_id,suite,model,protocol,method,"))
        #expect(csv[1].hasPrefix("1,\(r.suiteName),vit-bag,frozen,\(r.methodLabel),"))
        let line = try store.export(.jsonl).split(separator: "\n")[0]
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(object?["protocol"] as? String == "frozen")
        #expect(try store.integrityCheck() == "ok")
    }

    /// Child rows are read per table and grouped by run: each run gets exactly its own rows,
    /// also when one suite is selected and the runs of several suites interleave.
    @Test func loadingOneSuiteKeepsEachRunsOwnRows() throws {
        let store = try Store(path: Self.temporaryPath())
        var records: [RunRecord] = []
        for i in 0..<6 {
            let order = ["a", "b", "c"]
            var r = Self.record(order: Array(order[(i % 3)...] + order[..<(i % 3)]), value: 0.1 * Double(i))
            r.suiteName = i % 2 == 0 ? "even" : "odd"
            r.suiteHash = r.suiteName
            r.cellHash = "cell-\(i)"
            r.metrics["last"] = Double(i)
            r.accuracy[1].accuracy = Double(i) / 10
            r.contributions[0].forgetting = Double(i)
            records.append(r)
            try store.insert(r)
        }
        #expect(try store.loadRuns().map(\.record) == records)
        let odd = try store.loadRuns(suite: "odd")
        #expect(odd.map(\.id) == [2, 4, 6])
        #expect(odd.map(\.record) == records.filter { $0.suiteName == "odd" })
        #expect(try store.loadRuns(suite: "none").isEmpty)
    }

    @Test func finishedRunsAreKeptFailedOnesRetried() throws {
        let store = try Store(path: Self.temporaryPath())
        #expect(try store.insert(Self.record(status: .failed)) == .inserted(id: 1))
        #expect(try store.finishedRunKeys().isEmpty)
        func kind(_ o: Store.InsertOutcome) -> String {
            switch o { case .inserted: "inserted"; case .replaced: "replaced"; case .alreadyStored: "kept" }
        }
        #expect(kind(try store.insert(Self.record())) == "replaced")
        #expect(try store.insert(Self.record(value: 0.7)) == .alreadyStored)
        #expect(try store.loadRuns()[0].record.accuracy[0].accuracy == 0.5)
        #expect(kind(try store.insert(Self.record(value: 0.7), force: true)) == "replaced")
        #expect(try store.loadRuns().count == 1 && store.loadRuns()[0].record.accuracy[0].accuracy == 0.7)
        // Another code version is another run of the same cell.
        #expect(kind(try store.insert(Self.record(commit: "def"))) == "inserted")
        #expect(try store.finishedRunKeys().count == 2)
    }

    @Test func mergeIsIdempotentAndReportsConflicts() throws {
        let a = try Store(path: Self.temporaryPath()), b = try Store(path: Self.temporaryPath()), t = try Store(path: Self.temporaryPath())
        try a.insert(Self.record(order: ["a", "b"]))
        try b.insert(Self.record(order: ["b", "a"]))
        #expect(try t.merge(from: [a, b]) == Store.MergeReport(inserted: 2, duplicates: 0, conflicts: []))
        #expect(try t.merge(from: [a, b]) == Store.MergeReport(inserted: 0, duplicates: 2, conflicts: []))
        let c = try Store(path: Self.temporaryPath())
        try c.insert(Self.record(order: ["a", "b"], value: 0.1))
        let report = try t.merge(from: [c])
        #expect(report.inserted == 0 && report.conflicts.count == 1)
        #expect(try t.loadRuns().first { $0.record.order == ["a", "b"] }!.record.accuracy[0].accuracy == 0.5)
    }

    @Test func refusesNewerCorruptAndMissingFiles() throws {
        let path = Self.temporaryPath()
        _ = try Store(path: path)
        let q = try DatabaseQueue(path: path)
        try q.write { try $0.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99-from-the-future')") }
        #expect(throws: StoreError.self) { try Store(path: path) }
        do { _ = try Store(path: path) } catch { #expect("\(error)".contains("written by a newer clvbench")) }

        let garbage = Self.temporaryPath()
        try Data(repeating: 7, count: 8192).write(to: URL(fileURLWithPath: garbage))
        do { _ = try Store(path: garbage); Issue.record("opened garbage") } catch {
            #expect("\(error)".contains("not a clvbench database"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: garbage)) == Data(repeating: 7, count: 8192))
        do { _ = try Store(path: Self.temporaryPath(), mode: .readOnly); Issue.record("opened a missing file") } catch {
            #expect("\(error)".contains("no such database"))
        }
    }

    @Test func readOnlyStoresRefuseWrites() throws {
        let path = Self.temporaryPath()
        _ = try Store(path: path)
        let ro = try Store(path: path, mode: .readOnly)
        do { try ro.insert(Self.record()); Issue.record("wrote through a read-only store") } catch {
            #expect("\(error)".contains("read-only") || "\(error)".contains("readonly"), "\(error)")
        }
    }

    @Test func exportQuotesAndListsEveryMetric() throws {
        let store = try Store(path: Self.temporaryPath())
        var r = Self.record()
        r.methodLabel = "odd, \"name\""
        try store.insert(r)
        let csv = try store.export(.csv)
        let lines = csv.split(separator: "\n")
        #expect(lines[0].hasSuffix(",fwt,last"))
        #expect(lines[1].contains("\"odd, \"\"name\"\"\""))
        #expect(lines[1].hasSuffix(",,0.9"))
        let jsonl = try store.export(.jsonl)
        let obj = try JSONSerialization.jsonObject(with: Data(jsonl.utf8)) as! [String: Any]
        #expect((obj["accuracy"] as! [[Double]])[1][0] == 0.9)
    }
}


/// The method's own code version and an import's source (schema v4).
struct MethodVersionStoreTests {
    @Test func methodVersionAndImportSourceRoundTripAndKeyTheRun() throws {
        let store = try Store(path: StoreTests.temporaryPath())
        let builtIn = StoreTests.record(commit: "tool1")
        var external = StoreTests.record(commit: "tool1")
        external.cellHash = "cell-external"
        external.methodLabel = "mine"
        external.methodVersion = MethodVersion(commit: "m1+0123456789ab", dirty: true, repository: "/repo")
        external.importSource = ImportSource(file: "runs.jsonl", sha256: String(repeating: "ab", count: 32))
        external.lossKnown = false
        try store.insert(builtIn)
        try store.insert(external)
        let back = try store.loadRuns().map(\.record)
        #expect(back == [builtIn, external])
        // The run key follows the method's version; a built-in's follows clvbench's.
        #expect(external.runKey == "cell-external@m1+0123456789ab+dirty")
        #expect(builtIn.runKey == "cell-ab@tool1")
        #expect(back[1].versionLabel == "m1+0123456789ab+dirty" && back[0].versionLabel == "tool1")
        // A new method version of the same cell is a new run; the same one is stored once.
        #expect(try store.insert(external) == .alreadyStored)
        external.methodVersion = MethodVersion(commit: "m2", dirty: false)
        #expect(try store.insert(external) == .inserted(id: 3))
        let versions = try store.listing(.versions).map { "\($0["commit_hash"]!) \($0["tree"]!) \($0["runs"]!)" }.sorted()
        #expect(versions == ["m1+012345678 dirty 1", "m2 clean 1", "tool1 clean 3"])
        let kinds = try store.listing(.methods).map { $0["kind"]! }
        #expect(kinds == ["built-in", "imported"])
    }
}
