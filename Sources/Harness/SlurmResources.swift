/// What the array job asks Slurm for beyond CPUs (`plan --slurm --partition --gres --time --mem`),
/// each checked against Slurm's syntax so a value can never add a line to the script.
public struct SlurmResources: Sendable, Equatable {
    public var partition: String?
    /// Generic resources, e.g. "gpu:1" or "gpu:a100:2".
    public var gres: String?
    /// Time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS.
    public var time: String?
    /// Memory per node: a whole number with an optional K, M, G or T suffix.
    public var memory: String?
    public init(partition: String? = nil, gres: String? = nil, time: String? = nil, memory: String? = nil) {
        self.partition = partition; self.gres = gres; self.time = time; self.memory = memory
    }

    /// The first problem with a value, said as an option's message; nil when all are valid.
    public func problem() -> String? {
        func matches(_ s: String, _ pattern: String) -> Bool { s.wholeMatch(of: try! Regex(pattern)) != nil }
        if let p = partition, !matches(p, "[A-Za-z0-9_.+-]+(,[A-Za-z0-9_.+-]+)*") {
            return "--partition '\(p)' is not a partition name (letters, digits, _ . + -; several separated by commas)"
        }
        if let g = gres, !matches(g, "[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)*(,[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)*)*") {
            return "--gres '\(g)' is not a generic resource list (like gpu:1 or gpu:a100:2)"
        }
        if let t = time, !matches(t, "[0-9]+|[0-9]+:[0-9]{1,2}|[0-9]+:[0-9]{1,2}:[0-9]{1,2}|[0-9]+-[0-9]{1,2}(:[0-9]{1,2}(:[0-9]{1,2})?)?") {
            return "--time '\(t)' is not a Slurm time (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)"
        }
        if let m = memory, !matches(m, "[0-9]+[KMGTkmgt]?") {
            return "--mem '\(m)' is not a memory size (a whole number with an optional K, M, G or T suffix, like 16G)"
        }
        return nil
    }

    /// `#SBATCH` lines for the array job (all) and the merge job (the partition only: merging
    /// needs no GPU and little time or memory).
    func lines(forMerge: Bool) -> String {
        var out: [String] = []
        if let p = partition { out.append("#SBATCH --partition=\(p)") }
        if !forMerge {
            if let g = gres { out.append("#SBATCH --gres=\(g)") }
            if let t = time { out.append("#SBATCH --time=\(t)") }
            if let m = memory { out.append("#SBATCH --mem=\(m)") }
        }
        return out.map { $0 + "\n" }.joined()
    }
}
