import Foundation
import Testing

/// The shared pretrained start (docs/protocol.md): the numpy example loads the safetensors file
/// hello offers, so its stage 0 (the model before any training) is the built-in methods' stage 0,
/// environment by environment; with `start: random` it is not.
struct PretrainedStartCLITests {
    /// (method, stage, environment) -> (accuracy, loss) from the database.
    func cells(_ db: String) throws -> [String: (accuracy: Double, loss: Double)] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", """
            import sqlite3, sys, json
            c = sqlite3.connect(sys.argv[1])
            q = "SELECT r.method, a.stage, a.environment, a.accuracy, a.loss FROM accuracy a JOIN run r ON r.id = a.run_id"
            print(json.dumps([list(r) for r in c.execute(q)]))
            """, db]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let d = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        var result: [String: (Double, Double)] = [:]
        for r in try JSONSerialization.jsonObject(with: d) as! [[Any]] {
            result["\(r[0]) \(r[1]) \(r[2])"] = ((r[3] as! NSNumber).doubleValue, (r[4] as! NSNumber).doubleValue)
        }
        return result
    }

    @Test func numpyMethodStartsFromTheBuiltInPretrainedModel() throws {
        let dir = try CLI.temporaryDirectory()
        let script = CLI.packageRoot.appendingPathComponent("examples/external/numpy_clip.py").path
        let suite = """
            name: pretrained-start
            world: {kind: procedural, trained: 2, held_out: 1, classes: 3, image_size: 8, train_samples: 48, evaluation_samples: 40}
            orders: [[env1, env2]]
            similarity: {sv: [0.5], sl: [0.5]}
            methods:
              - finetune
              - label: numpy-pretrained
                external: {command: [python3, \(script)], timeout_s: 120, parameters: {epochs: "1"}}
              - label: numpy-random
                external: {command: [python3, \(script)], timeout_s: 120, parameters: {epochs: "1", start: random}}
            seeds: [0]
            model: {vision_hidden: [32], text_width: 16, text_hidden: [16], embedding: 16}
            training: {epochs: 1, batch_size: 16}
            pretraining: {samples: 256, epochs: 3, batch_size: 32}
            """
        let suitePath = dir.appendingPathComponent("start.yaml")
        try suite.write(to: suitePath, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("s.sqlite").path
        let r = try CLI.run(["run", suitePath.path, "--db", db, "--quiet", "--no-report"])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        let c = try cells(db)
        var randomDiffers = false
        for env in ["env1", "env2", "heldout1"] {
            let builtIn = try #require(c["finetune 0 \(env)"]), numpy = try #require(c["numpy-pretrained 0 \(env)"])
            let random = try #require(c["numpy-random 0 \(env)"])
            // Same weights, same images: float32 in numpy against float32 through OpenBLAS.
            #expect(abs(numpy.loss - builtIn.loss) < 1e-4, "\(env): \(numpy.loss) vs \(builtIn.loss)")
            #expect(abs(numpy.accuracy - builtIn.accuracy) <= 1.0 / 40 + 1e-12, "\(env): \(numpy.accuracy) vs \(builtIn.accuracy)")
            if abs(random.loss - builtIn.loss) > 1e-2 { randomDiffers = true }
            // Training happened: stage 1 moved away from stage 0.
            let trained = try #require(c["numpy-pretrained 1 \(env)"])
            #expect(trained.loss != numpy.loss)
        }
        #expect(randomDiffers, "a random start must not look like the pretrained one")
    }
}
