import Foundation

/// Where a site is rendered and how it replaces the previous one: pages go into a staging
/// directory beside the site, and only a complete rendering is swapped in, so a full disk or
/// any other failure leaves the previous site whole (never a mix of old and new pages).
struct SiteDirectory {
    /// The directory the user named (a symbolic link to a directory is followed: the site
    /// replaces the link's target, the link stays).
    let target: String
    let staging: String

    /// Creates the staging directory; refuses a target that is not a directory or that holds
    /// files but no site (an `index.html`), so nothing a user keeps there is replaced.
    init(_ path: String) throws {
        let fm = FileManager.default
        var target = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        var st = stat()
        if lstat(target, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK {
            guard let resolved = realpath(target, nil) else {
                throw ReportError("\(path): a symbolic link to nowhere; point it at a directory or pass another --out")
            }
            target = String(cString: resolved)
            free(resolved)
        }
        if stat(target, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw ReportError("\(path): exists and is not a directory; pass another --out")
            }
            let entries = (try? fm.contentsOfDirectory(atPath: target)) ?? []
            if !entries.isEmpty && !entries.contains("index.html") {
                throw ReportError("\(path): the directory holds files but no clvbench site (no index.html); "
                    + "the report replaces its whole output directory, so pass an empty or new --out")
            }
        }
        let base = (target as NSString).lastPathComponent
        let parent = (target as NSString).deletingLastPathComponent
        guard !base.isEmpty, base != ".", base != ".." else {
            throw ReportError("\(path): name the site's own directory (such as results/site), not '\(base)'")
        }
        let parentPath = parent.isEmpty ? "." : parent
        do {
            try fm.createDirectory(atPath: parentPath, withIntermediateDirectories: true)
        } catch {
            throw ReportError("\(parentPath): cannot create the directory for the site (\(Self.reason(error))); check the path and its permissions")
        }
        var template = Array("\(parentPath)/.\(base).staging-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw ReportError("\(parentPath): cannot create a staging directory for the site (\(String(cString: strerror(errno)))); "
                + "the report is written beside --out, so that directory must be writable")
        }
        staging = String(cString: made)
        chmod(staging, 0o755)
        self.target = target
    }

    /// Replaces the target with the staged site. The old site is moved aside, the new one
    /// moved in (both renames within one directory), then the old one removed; if the second
    /// rename fails the old site is moved back.
    func commit() throws {
        let fm = FileManager.default
        var st = stat()
        if stat(target, &st) != 0 {
            guard rename(staging, target) == 0 else { throw failure("cannot move the new site into place") }
            return
        }
        let aside = staging.replacingOccurrences(of: ".staging-", with: ".previous-")
        guard rename(target, aside) == 0 else { throw failure("cannot move the previous site aside") }
        guard rename(staging, target) == 0 else {
            let e = failure("cannot move the new site into place")
            rename(aside, target)
            throw e
        }
        try? fm.removeItem(atPath: aside)
    }

    /// Removes the staging directory (after a failed rendering).
    func discard() { try? FileManager.default.removeItem(atPath: staging) }

    private func failure(_ what: String) -> ReportError {
        let reason = String(cString: strerror(errno))
        discard()
        return ReportError("\(target): \(what) (\(reason)); the previous site is unchanged")
    }

    static func reason(_ error: Error) -> String {
        if let e = error as? CocoaError, let u = e.underlying as? POSIXError { return String(cString: strerror(u.code.rawValue)) }
        return (error as NSError).localizedFailureReason ?? error.localizedDescription
    }
}
