import Foundation
import Linalg
import Testing
@testable import Environments

/// The class-pick rule of the emoji world: an environment's classes fill from one subgroup of its
/// source, in a seeded subgroup order, spilling into the next subgroup only when one runs out.
/// Checked against Debian's emoji-test.txt read here with a parser of the test's own.
@Suite(.serialized)
struct EmojiClassPickTests {
    struct Entry: Hashable { var group: String, subgroup: String, name: String }

    /// Group -> its subgroups in file order (only those with kept emoji) -> their emoji in file
    /// order; kept = fully-qualified, one code point, optionally followed by FE0F.
    static func readFile() throws -> [String: [(subgroup: String, members: [Entry])]] {
        let text = try String(contentsOfFile: EmojiCatalog.defaultPath, encoding: .utf8)
        var out: [String: [(subgroup: String, members: [Entry])]] = [:]
        var group = "", subgroup = ""
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("# group: ") { group = String(line.dropFirst(9)); continue }
            if line.hasPrefix("# subgroup: ") { subgroup = String(line.dropFirst(12)); continue }
            if line.hasPrefix("#") || !line.contains(";") { continue }
            let halves = line.components(separatedBy: "#")
            let fields = halves[0].components(separatedBy: ";")
            let points = fields[0].split(separator: " ")
            guard fields[1].trimmingCharacters(in: .whitespaces) == "fully-qualified",
                  points.count == 1 || (points.count == 2 && points[1] == "FE0F") else { continue }
            // "😀 E1.0 grinning face": the name follows the glyph and the version.
            let name = String(halves[1].trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 2)[2])
            let entry = Entry(group: group, subgroup: subgroup, name: name)
            if out[group]?.last?.subgroup == subgroup { out[group]![out[group]!.count - 1].members.append(entry) }
            else { out[group, default: []].append((subgroup, [entry])) }
        }
        return out
    }

    static func world(_ family: EmojiWorld.Family, seed: Int, classes: Int) throws -> EmojiWorld {
        var c = EmojiWorld.Config()
        c.family = family
        c.seed = seed
        c.classes = classes
        return try EmojiWorld(config: c, similarity: SimilaritySetting(sv: 0.5, sl: 0.5))
    }

    /// Without the random stream: the classes' subgroups are wholly taken except at most one, and
    /// an environment whose classes span several subgroups took each of them whole but one, so
    /// every one of them but the partly taken one is smaller than the class count.
    @Test(arguments: [8, 20]) func atMostOneSubgroupIsPartlyTaken(classes: Int) throws {
        let file = try Self.readFile()
        var spills = 0, single = 0
        for seed in 0..<10 {
            let w = try Self.world(.semantic, seed: seed, classes: classes)
            for (e, cls) in w.classes.enumerated() {
                let names = Set(cls.map(\.name))
                let subgroups = try #require(file[w.sources[e]])
                let used = subgroups.filter { $0.members.contains { names.contains($0.name) } }
                let partial = used.filter { !$0.members.allSatisfy { names.contains($0.name) } }
                #expect(partial.count <= 1, "seed \(seed) \(w.environments[e].name): \(partial.map(\.subgroup))")
                #expect(used.map { $0.members.filter { names.contains($0.name) }.count }.reduce(0, +) == classes)
                if used.count > 1 {
                    spills += 1
                    for s in used where partial.isEmpty || s.subgroup != partial[0].subgroup { #expect(s.members.count < classes) }
                } else {
                    single += 1
                }
            }
        }
        // Both cases occur (Smileys & Emotion has subgroups of 3, Travel & Places one of 50).
        #expect(spills > 0 && single > 0, "\(spills) spilling, \(single) single-subgroup environments")
    }

    /// With the random stream, by a naive walk: the subgroups of the source (file order) in the
    /// order of the stream's first permutation, each subgroup's emoji in the order of the next
    /// one; take whole subgroups while they fit, then the first emoji of the next. The classes
    /// are those, in file order.
    @Test func classesFollowTheSeededSubgroupOrder() throws {
        let file = try Self.readFile()
        for family in EmojiWorld.Family.allCases {
            for seed in 0..<5 {
                let w = try Self.world(family, seed: seed, classes: 8)
                for (e, env) in w.environments.enumerated() {
                    let all = try #require(file[family == .semantic ? w.sources[e] : "Animals & Nature"])
                    let subgroups = family == .semantic ? all : all.filter { $0.subgroup == w.sources[e] }
                    var stream = RandomStream(key: RandomKey("clvbench-emoji", .int(seed)).child("environment", .string(env.name)).child("classes"))
                    var taken: [Entry] = []
                    for g in stream.permutation(subgroups.count) {
                        let members = subgroups[g].members
                        let order = stream.permutation(members.count)
                        for i in order where taken.count < 8 { taken.append(members[i]) }
                    }
                    let fileOrder = subgroups.flatMap(\.members).filter { taken.contains($0) }.map(\.name)
                    #expect(env.classNames == fileOrder, "\(family) seed \(seed) \(env.name)")
                    #expect(w.classes[e].map(\.subgroup) == subgroups.flatMap(\.members).filter { taken.contains($0) }.map(\.subgroup))
                }
            }
        }
    }
}
