import Continual
import Environments
import Foundation
import Linalg
import Model
import ResultStore

/// How to run a plan.
public struct RunOptions: Sendable {
    public var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    public var force = false
    /// (index, count), index 0-based.
    public var shard: (Int, Int)? = nil
    public var quiet = false
    /// The external methods' code version (`--code-version`), over the suite's repository.
    public var codeVersion: String? = nil
    public init() {}
}

/// What a run of a suite did.
public struct RunSummary: Sendable, Equatable {
    public var planned = 0
    public var skipped = 0
    public var done = 0
    public var failed = 0
    public var diverged = 0
    public var stagesTrained = 0
    public var seconds = 0.0
}

/// Executes a plan: prepares each similarity setting's world, then trains groups of cells on
/// `jobs` worker threads (one OpenBLAS thread each), sharing order prefixes, and stores each
/// finished run in one transaction. Results do not depend on `jobs`.
public final class SuiteRunner: @unchecked Sendable {
    let plan: Plan
    let store: Store
    let options: RunOptions
    let provenance: RunRecord.Provenance
    /// Per method of the suite: its own code version (external methods), nil for built-ins.
    let methodVersions: [MethodVersion?]
    private let lock = NSLock()
    private var summary = RunSummary()
    private var firstError: Error?

    public init(plan: Plan, store: Store, options: RunOptions) {
        self.plan = plan
        self.store = store
        self.options = options
        provenance = ProvenanceProbe.current(threads: 1)
        methodVersions = plan.suite.methods.map { m in
            m.external.map { ProvenanceProbe.methodVersion(explicit: options.codeVersion, repository: $0.repository) }
        }
    }

    /// Runs stored so far by this runner (done, failed or diverged), for an interrupted run's note.
    public var stored: Int {
        lock.lock(); defer { lock.unlock() }
        return summary.done + summary.failed + summary.diverged
    }

    public func run() throws -> RunSummary {
        let start = Date()
        let groups = options.shard.map { plan.shard($0.0, of: $0.1) } ?? plan.groups
        let finishedKeys = options.force ? [] : try store.finishedRunKeys()
        // Keep only cells not yet finished by this code version.
        var pending: [CellGroup] = []
        var planned = 0, skipped = 0
        for var g in groups {
            planned += g.cells.count
            g.cells = g.cells.filter { cell in
                let version = methodVersions[cell.methodIndex].map { ($0.commit, $0.dirty) } ?? (provenance.commit, provenance.dirty)
                let done = finishedKeys.contains(RunRecord.runKey(cellHash: cell.hash, commit: version.0, dirty: version.1))
                if done { skipped += 1 }
                return !done
            }
            if !g.cells.isEmpty { pending.append(g) }
        }
        summary.planned = planned
        summary.skipped = skipped
        let progress = ProgressReporter(total: planned - skipped, quiet: options.quiet)
        if skipped > 0 { progress.note("\(skipped) of \(planned) runs already stored for this code version; skipping them (use --force to rerun)") }
        guard !pending.isEmpty else {
            summary.seconds = Date().timeIntervalSince(start)
            return summary
        }

        // Worlds, one per (similarity, model): the first of each model prepares (and caches) its
        // pretrained model, one model after another; the rest in parallel.
        let keys = pending.map { WorldKey(similarity: $0.similarity, model: $0.modelIndex) }
            .reduce(into: [WorldKey]()) { if !$0.contains($1) { $0.append($1) } }
        var worlds: [WorldKey: PreparedWorld] = [:]
        let firsts = keys.indices.filter { i in !keys[..<i].contains { $0.model == keys[i].model } }
        for i in firsts {
            worlds[keys[i]] = try PreparedWorld(settings: settings(model: keys[i].model), similarity: keys[i].similarity) { progress.note($0) }
        }
        let rest = keys.indices.filter { !firsts.contains($0) }.map { keys[$0] }
        let prepared = try parallelMap(rest, jobs: options.jobs) { key in
            try PreparedWorld(settings: self.settings(model: key.model), similarity: key.similarity)
        }
        for (k, w) in zip(rest, prepared) { worlds[k] = w }

        // Groups, costliest first by estimated cost (a ViT's adaptive group before a frozen one
        // of as many stages), pulled by the workers; ties keep grid order. Results do not depend
        // on the order.
        let cost = ShardCost.costs(pending, suite: plan.suite)
        let queue = pending.indices.sorted { cost[$0] != cost[$1] ? cost[$0] > cost[$1] : $0 < $1 }.map { pending[$0] }
        let ready = worlds
        _ = try parallelMap(queue, jobs: options.jobs) { group in
            try self.runGroup(group, world: ready[WorldKey(similarity: group.similarity, model: group.modelIndex)]!, progress: progress)
            return 0
        }
        progress.close()
        if let e = firstError { throw e }
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    struct WorldKey: Hashable { var similarity: SimilaritySetting; var model: Int }

    /// The suite's settings with one of its models.
    func settings(model: Int) -> ExperimentSettings {
        var s = plan.suite.settings
        s.model = plan.suite.models[model].description
        return s
    }

    /// Trains a group's prefix tree depth first; each completed order becomes a stored run, one
    /// per cell of that order (under frozen, every λ variant of the method: one training, each
    /// cell stored with its own hash, method and label).
    func runGroup(_ group: CellGroup, world: PreparedWorld, progress: ProgressReporter) throws {
        let suite = plan.suite
        let method = suite.methods[group.methodIndex]
        let frozen = group.trainingProtocol == .frozen
        let runner = CellRunner(data: world.data, budget: suite.settings.budget, shapley: suite.settings.shapley && !frozen,
                                trainingProtocol: group.trainingProtocol, frozenEmbeddings: world.frozenEmbeddings)
        let stageIdentity = frozen ? method.identityWithoutObjective : method.identity
        let index = Dictionary(uniqueKeysWithValues: world.data.names.enumerated().map { ($1, $0) })

        func describe(_ c: PlannedCell) -> String {
            (suite.models.count > 1 ? suite.models[c.modelIndex].name + " " : "")
                + (suite.protocols.count > 1 ? c.trainingProtocol.rawValue + " " : "") + "\(suite.methods[c.methodIndex].label) sv=\(c.similarity.sv) sl=\(c.similarity.sl) seed=\(c.seed) order=\(c.order.joined(separator: ">"))"
        }
        func store(_ cell: PlannedCell, _ result: CellResult?, _ status: RunRecord.Status, _ message: String?, _ seconds: Double,
                   log: String? = nil) {
            guard !ProcessContainment.isStopping else { return }  // interrupted: the cell did not really fail
            var record = RunRecordBuilder.record(suite: suite, cell: cell, result: result, status: status, message: message,
                                                 seconds: seconds, provenance: provenance)
            record.log = log
            record.methodVersion = methodVersions[cell.methodIndex]
            do {
                try self.store.insert(record, force: options.force)
                lock.lock()
                switch status {
                case .done: summary.done += 1
                case .failed: summary.failed += 1
                case .diverged: summary.diverged += 1
                }
                lock.unlock()
                progress.runFinished(describe(cell) + (message.map { ": " + $0 } ?? ""), ok: status != .failed)
            } catch {
                lock.lock()
                if firstError == nil { firstError = error }
                lock.unlock()
            }
        }

        // An external method's state lives in its process: one process per cell, no sharing.
        if let ext = method.external {
            var runner = ExternalCellRunner(data: world.data, runner: runner, spec: ext, shapley: suite.settings.shapley)
            runner.pretrained = PretrainedStart(model: world.pretrained, imageSize: world.data.imageSize, tokenizer: world.data.tokenizer)
            for cell in group.cells {
                let t0 = Date()
                do {
                    let (result, log) = try runner.run(order: cell.order.map { index[$0]! }, seed: cell.seed, suiteSeed: suite.seed,
                                                       methodParameters: ext.parameters)
                    store(cell, result, .done, nil, result.seconds, log: log.isEmpty ? nil : log)
                } catch let e as ExternalMethodError {
                    store(cell, nil, .failed, "external method: \(e.description)", Date().timeIntervalSince(t0), log: e.log.isEmpty ? nil : e.log)
                } catch {
                    store(cell, nil, .failed, "external method: \(error)", Date().timeIntervalSince(t0))
                }
            }
            return
        }
        let instance = try MethodCatalog.make(name: method.name, parameters: method.parameters)
        let root = runner.initial(method: instance, pretrained: world.pretrained, baseline: world.baseline)

        func visit(_ state: PrefixState, _ cells: [PlannedCell]) {
            let depth = state.prefix.count
            let finished = cells.filter { $0.order.count == depth }
            if !finished.isEmpty {
                do {
                    let result = try runner.finish(state)
                    for cell in finished { store(cell, result, .done, nil, state.seconds) }
                } catch {
                    for cell in finished { store(cell, nil, .failed, "\(error)", state.seconds) }
                }
            }
            let deeper = cells.filter { $0.order.count > depth }
            var nextNames: [String] = []
            for c in deeper where !nextNames.contains(c.order[depth]) { nextNames.append(c.order[depth]) }
            for name in nextNames {
                let branch = deeper.filter { $0.order[depth] == name }
                do {
                    let next = try runner.advance(state, environment: index[name]!, suiteSeed: suite.seed, seed: group.seed,
                                                  methodIdentity: stageIdentity)
                    lock.lock(); summary.stagesTrained += 1; lock.unlock()
                    visit(next, branch)
                } catch let d as TrainingDiverged {
                    for c in branch { store(c, nil, .diverged, "stage \(depth + 1) (\(name)): \(d)", state.seconds) }
                } catch {
                    for c in branch { store(c, nil, .failed, "stage \(depth + 1) (\(name)): \(error)", state.seconds) }
                }
            }
        }
        visit(root, group.cells)
    }
}
