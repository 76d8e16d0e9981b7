import CBLAS
import Foundation

/// What OpenBLAS is doing in this process, and the start-up fix for CPUs it does not recognise.
///
/// OpenBLAS 0.3.21 (Debian 12) falls back to slow generic kernels on CPUs newer than it knows,
/// 5-10x slower (TECH-NOTES.md). The core is chosen when the library loads, so the only fix
/// from inside is to set `OPENBLAS_CORETYPE` and re-execute the process once.
public enum BLASRuntime {
    /// The environment variable OpenBLAS reads at load time.
    public static let coreTypeVariable = "OPENBLAS_CORETYPE"
    /// Set by clvbench on the re-executed process, so it never loops and can report what it did.
    public static let reexecMarker = "CLVBENCH_OPENBLAS_REEXEC"

    /// The kernel family in use, as OpenBLAS names it ("Haswell", "SkylakeX", "Prescott", ...).
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// OpenBLAS's build description, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".
    public static var configuration: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p).trimmingCharacters(in: .whitespaces)
    }

    /// The version number out of `configuration` ("0.3.21"), or "unknown".
    public static var version: String {
        let parts = configuration.split(separator: " ")
        if let i = parts.firstIndex(of: "OpenBLAS"), i + 1 < parts.count { return String(parts[i + 1]) }
        return "unknown"
    }

    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// One thread per worker: parallelism comes from running cells side by side, and 1 vs 2
    /// threads is not bit-identical for some shapes.
    public static func pinSingleThread() { openblas_set_num_threads(1) }

    /// Cores that carry no AVX2 kernels: what OpenBLAS falls back to on a CPU it does not know.
    public static let genericCores: Set<String> = [
        "Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai", "Coppermine",
        "Northwood", "Banias", "Barcelona", "Opteron", "Athlon", "Bobcat", "Nano", "generic", "Generic",
    ]

    /// The core to ask for when `currentCore` is generic but the CPU can run better kernels:
    /// SkylakeX with the AVX-512 subsets it uses, else Haswell with AVX2 and FMA, else none.
    public static func recommendedCore(currentCore: String, cpuFlags: Set<String>) -> String? {
        guard genericCores.contains(currentCore) else { return nil }
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(cpuFlags.contains) {
            return "SkylakeX"
        }
        if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return "Haswell" }
        return nil
    }

    /// How the core in use came about; recorded with every run.
    public enum CoreChoice: String, Sendable {
        case openblasDefault = "openblas-default"   // OpenBLAS picked it and it was fine
        case userSet = "user-set"                   // OPENBLAS_CORETYPE was set before clvbench started
        case reexecuted = "clvbench-reexec"         // clvbench set it and re-executed itself
        case genericFallback = "generic-fallback"   // generic, and nothing better is available
    }

    public static var coreChoice: CoreChoice {
        let env = ProcessInfo.processInfo.environment
        if env[reexecMarker] != nil { return .reexecuted }
        if env[coreTypeVariable] != nil { return .userSet }
        return genericCores.contains(coreName) ? .genericFallback : .openblasDefault
    }

    /// Call first thing in `main`. If OpenBLAS fell back to a generic core on a CPU with AVX2 or
    /// AVX-512 and the user did not choose a core, re-executes this program once with
    /// `OPENBLAS_CORETYPE` set. Returns normally when nothing needs doing (or exec failed).
    public static func ensureFastKernels() {
        let env = ProcessInfo.processInfo.environment
        guard env[coreTypeVariable] == nil, env[reexecMarker] == nil else { return }
        guard let core = recommendedCore(currentCore: coreName, cpuFlags: CPUInfo.current.flags) else { return }
        setenv(coreTypeVariable, core, 1)
        setenv(reexecMarker, "1", 1)
        let args = CommandLine.arguments
        var cArgs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        cArgs.append(nil)
        execv("/proc/self/exe", &cArgs)
        // exec failed: carry on with the slow core rather than refuse to work.
        unsetenv(coreTypeVariable)
        unsetenv(reexecMarker)
    }
}

/// The CPU as /proc/cpuinfo describes it (Linux); empty fields elsewhere.
public struct CPUInfo: Sendable {
    public var modelName: String
    public var vendor: String
    public var family: Int?
    public var model: Int?
    public var flags: Set<String>
    public var logicalCores: Int

    public static let current: CPUInfo = {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return CPUInfo.parse(text, logicalCores: ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Reads the first processor block of a /proc/cpuinfo text.
    public static func parse(_ text: String, logicalCores: Int) -> CPUInfo {
        var info = CPUInfo(modelName: "unknown", vendor: "unknown", family: nil, model: nil,
                           flags: [], logicalCores: logicalCores)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }  // end of the first processor block
            let kv = line.split(separator: ":", maxSplits: 1)
            guard kv.count == 2 else { continue }
            let key = kv[0].trimmingCharacters(in: .whitespaces)
            let value = kv[1].trimmingCharacters(in: .whitespaces)
            switch key {
            case "model name": info.modelName = value
            case "vendor_id": info.vendor = value
            case "cpu family": info.family = Int(value)
            case "model": info.model = Int(value)
            case "flags": info.flags = Set(value.split(separator: " ").map(String.init))
            default: break
            }
        }
        return info
    }
}
