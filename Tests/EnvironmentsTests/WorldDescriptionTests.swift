import Testing
@testable import Environments

struct WorldDescriptionTests {
    /// The pretraining cache identity is derived from the description; for the worlds that
    /// existed before it was, it must give the strings written by hand then (they seed the
    /// pretraining, so the pretrained weights and every result stay the same).
    @Test func pretrainingIdentityMatchesTheEarlierHandWrittenKeys() {
        var c = ProceduralWorldConfig()
        #expect(WorldDescription.procedural(c).pretrainingIdentity == "procedural 0 24 0.25")
        c.seed = 7; c.imageSize = 16; c.distractorProbability = 0.5
        #expect(WorldDescription.procedural(c).pretrainingIdentity == "procedural 7 16 0.5")
        var f = FashionWorld.Config()
        f.seed = 3
        #expect(WorldDescription.fashion(f, directory: "/d").pretrainingIdentity == "fashion 3 24 /d")
    }

    /// What is outside the mixture (the environment split) changes neither the identity nor the
    /// pretraining samples; each field inside it changes the identity.
    @Test func identityFollowsWhatThePretrainingSamplesRead() throws {
        var a = ProceduralWorldConfig()
        var b = a
        b.trainedEnvironments = 2; b.classesPerEnvironment = 3; b.trainSamples = 10; b.classOverlap = 0.5
        #expect(WorldDescription.procedural(a).pretrainingIdentity == WorldDescription.procedural(b).pretrainingIdentity)
        #expect(WorldDescription.procedural(a).identity != WorldDescription.procedural(b).identity)
        let sim = SimilaritySetting(sv: 0.5, sl: 0.5)
        let wa = try WorldDescription.procedural(a).makeWorld(similarity: sim)
        let wb = try WorldDescription.procedural(b).makeWorld(similarity: SimilaritySetting(sv: 0, sl: 1))
        for i in [0, 5, 999] { #expect(wa.pretrainingSample(index: i) == wb.pretrainingSample(index: i)) }
        for change in [{ (c: inout ProceduralWorldConfig) in c.seed = 1 }, { $0.imageSize = 12 }, { $0.distractorProbability = 0.1 }] {
            var c = a
            change(&c)
            #expect(WorldDescription.procedural(c).pretrainingIdentity != WorldDescription.procedural(a).pretrainingIdentity)
            let w = try WorldDescription.procedural(c).makeWorld(similarity: sim)
            #expect((0..<20).contains { w.pretrainingSample(index: $0) != wa.pretrainingSample(index: $0) })
        }
        a.heldOutEnvironments = 2
        #expect(WorldDescription.procedural(a).trainedNames == ["env1", "env2", "env3", "env4"])
        #expect(try WorldDescription.procedural(a).makeWorld(similarity: sim).environments.map(\.name)
            == ["env1", "env2", "env3", "env4", "heldout1", "heldout2"])
    }

    @Test func fashionChecksLiveWithItsConfig() {
        var f = FashionWorld.Config()
        f.classGroups = [[0, 1], [1, 2]]
        #expect(f.problems() == ["class_groups: a class appears in two groups"])
        f.classGroups = [[0, 1], [2]]
        #expect(f.problems() == ["class_groups: each group needs at least 2 classes"])
        f.classGroups = [[0, 1]]
        #expect(f.problems() == ["held_out must leave at least one trained group"])
        f.heldOut = 0
        #expect(f.problems().isEmpty && WorldDescription.fashion(f, directory: "/x").trainedNames == ["env1"])
    }
}
