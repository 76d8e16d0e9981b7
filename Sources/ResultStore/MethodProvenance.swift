/// The method's own code version, kept apart from clvbench's (docs/provenance.md). Built-in
/// methods have none (their code is clvbench's); an external method has its repository's; an
/// imported run has the version its author gave.
public struct MethodVersion: Sendable, Equatable, Hashable {
    /// A git commit; for a dirty tree "commit+" and a short hash of its diff; "unknown" outside git.
    public var commit: String
    /// Uncommitted changes to tracked files, or no way to know (outside git).
    public var dirty: Bool
    /// The repository it was read from, when known (orders versions by git ancestry).
    public var repository: String?
    public init(commit: String, dirty: Bool, repository: String? = nil) {
        self.commit = commit; self.dirty = dirty; self.repository = repository
    }
    /// How pages, `compare` and `history` name the version.
    public var label: String { RunRecord.versionLabel(commit: commit, dirty: dirty) }
}

/// Where an imported run came from: the file as given and the SHA-256 of its bytes.
public struct ImportSource: Sendable, Equatable, Hashable {
    public var file: String
    public var sha256: String
    public init(file: String, sha256: String) { self.file = file; self.sha256 = sha256 }
}

extension RunRecord {
    public static func versionLabel(commit: String, dirty: Bool) -> String { commit + (dirty ? "+dirty" : "") }

    /// The version a run is compared and followed by: the method's where it has one of its own,
    /// else clvbench's.
    public var versionLabel: String {
        methodVersion?.label ?? RunRecord.versionLabel(commit: provenance.commit, dirty: provenance.dirty)
    }

    /// Whether the run was imported rather than trained by clvbench.
    public var imported: Bool { importSource != nil }
}
