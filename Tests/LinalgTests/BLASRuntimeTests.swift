import Testing
@testable import Linalg

struct BLASRuntimeTests {
    @Test func recommendsACoreOnlyForGenericFallbacks() {
        let avx512: Set<String> = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
        #expect(BLASRuntime.recommendedCore(currentCore: "Prescott", cpuFlags: avx512) == "SkylakeX")
        #expect(BLASRuntime.recommendedCore(currentCore: "Prescott", cpuFlags: ["avx2", "fma"]) == "Haswell")
        #expect(BLASRuntime.recommendedCore(currentCore: "Prescott", cpuFlags: ["sse4_2"]) == nil)
        #expect(BLASRuntime.recommendedCore(currentCore: "Haswell", cpuFlags: avx512) == nil)
        #expect(BLASRuntime.recommendedCore(currentCore: "Cooperlake", cpuFlags: avx512) == nil)
    }

    @Test func parsesCPUInfo() {
        let text = """
            processor\t: 0
            vendor_id\t: GenuineIntel
            cpu family\t: 6
            model\t\t: 207
            model name\t: Intel(R) Xeon(R) Platinum
            flags\t\t: fpu sse avx2 fma avx512f

            processor\t: 1
            model name\t: other
            """
        let info = CPUInfo.parse(text, logicalCores: 2)
        #expect(info.vendor == "GenuineIntel")
        #expect(info.family == 6 && info.model == 207)
        #expect(info.modelName == "Intel(R) Xeon(R) Platinum")
        #expect(info.flags == ["fpu", "sse", "avx2", "fma", "avx512f"])
    }

    @Test func runtimeReportsAKnownCore() {
        #expect(BLASRuntime.coreName != "unknown")
        #expect(BLASRuntime.version.hasPrefix("0."))
        BLASRuntime.pinSingleThread()
        #expect(BLASRuntime.threads == 1)
    }
}
