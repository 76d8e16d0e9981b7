import Foundation
import Testing
@testable import Harness

struct SuiteTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("BadSuites")

    static var badFiles: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: corpus.path))?.filter { $0.hasSuffix(".yaml") }.sorted() ?? []
    }

    /// Each malformed suite in the corpus names its expected message in a first-line comment.
    @Test(arguments: badFiles)
    func malformedSuitesGetTheirMessage(file: String) throws {
        let path = Self.corpus.appendingPathComponent(file).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let expected = text.hasPrefix("# expect: ")
            ? String(text.split(separator: "\n")[0].dropFirst("# expect: ".count)) : "the file is empty"
        do {
            _ = try Suite.load(path: path)
            Issue.record("\(file) loaded without error")
        } catch let e as SuiteError {
            #expect(e.description.contains(expected), "\(file): got \(e)")
            #expect(e.description.hasPrefix(path))
        }
    }

    @Test func corpusIsThere() { #expect(Self.badFiles.count >= 15) }

    @Test(arguments: ["default", "smoke", "paper", "fashion", "paper-checks", "paper-checks-emoji", "paper-checks-cbf"])
    func shippedSuitesLoad(name: String) throws {
        let s = try Suite.load(path: Self.root.appendingPathComponent("benchmarks/\(name).yaml").path)
        #expect(s.name == name)
        #expect(!s.orders.isEmpty && !s.methods.isEmpty && !s.seeds.isEmpty)
    }

    @Test func defaultSuiteHasTheAgreedShape() throws {
        let s = try Suite.load(path: Self.root.appendingPathComponent("benchmarks/default.yaml").path)
        #expect(s.methods.count >= 3 && s.orders.count >= 4 && s.similarities.count >= 2 && s.seeds.count >= 2)
        let p = try Suite.load(path: Self.root.appendingPathComponent("benchmarks/paper.yaml").path)
        #expect(p.orders.count == 24 && p.similarities.count == 9 && p.methods.count == 8 && p.seeds.count == 5)
    }

    @Test func orderGenerators() {
        let names = ["a", "b", "c", "d"]
        let all = OrderGenerator.all(names)
        #expect(all.count == 24 && Set(all).count == 24 && all[0] == names && all[1] == ["a", "b", "d", "c"])
        let latin = OrderGenerator.latin(names)
        #expect(latin.count == 4)
        for position in 0..<4 { #expect(Set(latin.map { $0[position] }) == Set(names)) }
        let r = OrderGenerator.random(names, count: 10, seed: 3)
        #expect(r.count == 10 && Set(r).count == 10 && r == OrderGenerator.random(names, count: 10, seed: 3))
    }

    @Test func planSharesPrefixesAndShardsDeterministically() throws {
        let p = try Suite.load(path: Self.root.appendingPathComponent("benchmarks/paper.yaml").path)
        let plan = Plan(suite: p)
        // All 24 orders of 4 environments: 4 + 12 + 24 + 24 = 64 distinct prefixes per group, not 96.
        #expect(plan.groups.allSatisfy { $0.sharedStages == 64 && $0.unsharedStages == 96 })
        #expect(plan.cells.count == 24 * 9 * 8 * 5)
        #expect(Set(plan.cells.map(\.hash)).count == plan.cells.count)
        let shards = (0..<7).map { plan.shard($0, of: 7) }
        #expect(shards.reduce(0) { $0 + $1.count } == plan.groups.count)
        let loads = shards.map { $0.reduce(0) { $0 + $1.sharedStages } }
        #expect(loads.max()! - loads.min()! <= 64)
        #expect(plan.shard(3, of: 7).map(\.cells) == Plan(suite: p).shard(3, of: 7).map(\.cells))
    }
}
