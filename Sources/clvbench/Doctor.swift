import ArgumentParser
import Environments
import Foundation
import Linalg
import Report
import ResultStore

/// `clvbench doctor`: is this machine ready, and how fast is its BLAS?
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check OpenBLAS, SQLite, libxml2 and datasets on this machine.",
        discussion: """
            Reports the OpenBLAS version and the kernel core in use (and how it was chosen), \
            the thread count, single-thread sgemm GFLOP/s at n=512 measured now, a correctness \
            check of sgemm against a naive product, the SQLite and libxml2 versions, and whether \
            Debian's dataset-fashion-mnist is installed. Exits 1 when the sgemm check fails.
            """)

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    @Option(help: "Matrix size for the sgemm throughput measurement.")
    var n = 512

    func run() throws {
        guard n > 0 && n <= 8192 else {
            throw ValidationError("--n must be in 1...8192, got \(n)")
        }
        let report = DoctorReport.measure(n: n)
        if json {
            print(try report.jsonString())
        } else {
            print(report.text())
        }
        if !report.sgemmCheckPassed { throw ExitCode(1) }
    }
}

struct DoctorReport: Codable {
    var openblasVersion: String
    var openblasConfiguration: String
    var openblasCore: String
    var openblasCoreChoice: String
    var openblasCoreTypeVariable: String?
    var openblasThreads: Int
    var cpuModel: String
    var cpuFlagsRelevant: [String]
    var logicalCores: Int
    var sgemmN: Int
    var sgemmGFLOPS: Double
    var sgemmMaxRelativeError: Double
    var sgemmCheckPassed: Bool
    var sqliteVersion: String
    var libxml2Version: String
    var fashionMNISTDirectory: String
    var fashionMNISTInstalled: Bool
    var advice: [String]

    /// Tolerance of the sgemm check: float32 accumulation over k <= 128 terms stays far below it;
    /// a kernel computing wrong results lands far above it.
    static let sgemmTolerance = 1e-5
    static let fashionDirectory = FashionMNIST.defaultDirectory

    static func measure(n: Int) -> DoctorReport {
        let cpu = CPUInfo.current
        let error = SgemmProbe.correctnessError()
        let gf = SgemmProbe.gflops(n: n)
        let fm = FashionMNIST.isInstalled(directory: fashionDirectory)
        let core = BLASRuntime.coreName
        var advice: [String] = []
        let userCore = ProcessInfo.processInfo.environment[BLASRuntime.coreTypeVariable]
        if BLASRuntime.coreChoice == .userSet, let userCore, cpu.flags.contains("avx512f"),
            !["SkylakeX", "Cooperlake", "SapphireRapids"].contains(userCore)
        {
            advice.append("OPENBLAS_CORETYPE=\(userCore) was set before clvbench started and is respected; "
                + "this CPU has AVX-512, so unsetting it (or setting SkylakeX) may be faster. "
                + "Compare: env -u OPENBLAS_CORETYPE clvbench doctor")
        }
        if BLASRuntime.coreChoice == .genericFallback {
            advice.append("OpenBLAS uses the generic core \(core) and this CPU has no AVX2; expect slow training.")
        }
        if !fm {
            advice.append("Fashion-MNIST suites need Debian's dataset-fashion-mnist: apt-get install dataset-fashion-mnist")
        }
        return DoctorReport(
            openblasVersion: BLASRuntime.version,
            openblasConfiguration: BLASRuntime.configuration,
            openblasCore: core,
            openblasCoreChoice: BLASRuntime.coreChoice.rawValue,
            openblasCoreTypeVariable: userCore,
            openblasThreads: BLASRuntime.threads,
            cpuModel: cpu.modelName,
            cpuFlagsRelevant: ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq"].filter(cpu.flags.contains),
            logicalCores: cpu.logicalCores,
            sgemmN: n,
            sgemmGFLOPS: (gf * 10).rounded() / 10,
            sgemmMaxRelativeError: error,
            sgemmCheckPassed: error < sgemmTolerance,
            sqliteVersion: Store.sqliteVersion,
            libxml2Version: Page.libxml2Version,
            fashionMNISTDirectory: fashionDirectory,
            fashionMNISTInstalled: fm,
            advice: advice)
    }

    func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func text() -> String {
        var lines: [String] = []
        func row(_ k: String, _ v: String) { lines.append(k.padding(toLength: 24, withPad: " ", startingAt: 0) + v) }
        row("OpenBLAS", "\(openblasVersion) (\(openblasConfiguration))")
        row("OpenBLAS core", "\(openblasCore) [\(openblasCoreChoice)]")
        row("OpenBLAS threads", "\(openblasThreads)")
        row("CPU", "\(cpuModel), \(logicalCores) logical cores, \(cpuFlagsRelevant.joined(separator: " "))")
        row("sgemm n=\(sgemmN), 1 thread", String(format: "%.1f GFLOP/s", sgemmGFLOPS))
        row("sgemm check", (sgemmCheckPassed ? "pass" : "FAIL") + String(format: " (max relative error %.2e, tolerance %.0e)", sgemmMaxRelativeError, Self.sgemmTolerance))
        row("SQLite", sqliteVersion)
        row("libxml2", libxml2Version)
        row("Fashion-MNIST", fashionMNISTInstalled ? "installed (\(fashionMNISTDirectory))" : "not installed (apt-get install dataset-fashion-mnist)")
        for a in advice { lines.append("note: " + a) }
        return lines.joined(separator: "\n")
    }
}
