import Foundation

/// Wall-clock timing for benchmarks: best of several repetitions, the usual reading on a
/// shared machine where other load only ever adds time.
public enum Stopwatch {
    public static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Best time in seconds of `repetitions` calls of `body`.
    public static func best(repetitions: Int = 3, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<repetitions {
            let t0 = now()
            body()
            best = min(best, Double(now() - t0) * 1e-9)
        }
        return best
    }
}
