import Foundation

/// Maps on `jobs` threads, preserving order; the first error is rethrown after all finish.
/// Threads, not tasks: each worker runs long numeric or libxml2 work with OpenBLAS pinned to
/// one thread, and a big stack suits deep model code.
public func parallelMap<T: Sendable, R: Sendable>(_ items: [T], jobs: Int, _ body: @escaping @Sendable (T) throws -> R) throws -> [R] {
    try parallelMap(items, jobs: jobs, worker: {}) { (_: inout Void, item: T) in try body(item) }
}

/// The same with per-worker state made once on each thread by `worker` (a parsed template,
/// scratch buffers), so items share it without locks. Items are handed out in order.
public func parallelMap<T: Sendable, R: Sendable, W>(_ items: [T], jobs: Int, worker: @escaping @Sendable () throws -> W,
                                                     _ body: @escaping @Sendable (inout W, T) throws -> R) throws -> [R] {
    let box = ParallelResults<R>(items.count)
    let group = DispatchGroup()
    for _ in 0..<max(1, min(jobs, items.count)) {
        group.enter()
        let t = Thread {
            defer { group.leave() }
            var state: W
            do { state = try worker() } catch { box.fail(error); return }
            while let i = box.take() {
                do { box.store(i, try body(&state, items[i])) } catch { box.fail(error) }
            }
        }
        t.stackSize = 16 << 20
        t.start()
    }
    group.wait()
    if let e = box.error { throw e }
    return box.results.map { $0! }
}

/// Results of `parallelMap`, shared by its worker threads under a lock.
private final class ParallelResults<R>: @unchecked Sendable {
    var results: [R?]
    var error: Error?
    private var next = 0
    private let lock = NSLock()
    init(_ n: Int) { results = Array(repeating: nil, count: n) }

    /// The next item index, or nil when all are handed out (an item's error does not stop the others).
    func take() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < results.count else { return nil }
        next += 1
        return next - 1
    }

    func store(_ i: Int, _ r: R) { lock.lock(); results[i] = r; lock.unlock() }
    func fail(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }
}
