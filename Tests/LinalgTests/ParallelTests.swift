import Foundation
import Testing
@testable import Linalg

struct ParallelTests {
    struct Failure: Error, Equatable { var item: Int }

    /// Results come back in item order whatever thread ran them; per-worker state is made once
    /// per thread and carried across the items that thread takes.
    @Test func keepsOrderAndMakesOneStatePerWorker() throws {
        let made = Counter()
        let items = Array(0..<500)
        let out = try parallelMap(items, jobs: 3, worker: { () -> [Int] in made.increment(); return [] }) { (seen: inout [Int], i: Int) in
            seen.append(i)
            return (i * i, seen.count)
        }
        #expect(out.map(\.0) == items.map { $0 * $0 })
        #expect(made.value == 3)
        // Each worker's state counts its own items 1, 2, 3, ...: as many 1s as workers that took
        // an item (a worker may find the queue empty), and the counts rebuild every item once.
        let counts = out.map(\.1)
        let workers = counts.filter { $0 == 1 }.count
        #expect((1...3).contains(workers))
        #expect(counts.count == 500 && Set(counts).count == counts.max()!)
        #expect(try parallelMap(items, jobs: 1) { $0 + 1 } == items.map { $0 + 1 })
        #expect(try parallelMap([Int](), jobs: 4) { $0 }.isEmpty)
    }

    @Test func rethrowsAnItemsErrorAfterTheOthersFinish() {
        let done = Counter()
        #expect(throws: Failure(item: 7)) {
            _ = try parallelMap(Array(0..<40), jobs: 2) { i -> Int in
                if i == 7 { throw Failure(item: 7) }
                done.increment()
                return i
            }
        }
        #expect(done.value == 39)
        #expect(throws: Failure(item: -1)) {
            _ = try parallelMap(Array(0..<5), jobs: 2, worker: { () throws -> Int in throw Failure(item: -1) }) { (_: inout Int, i: Int) in i }
        }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
