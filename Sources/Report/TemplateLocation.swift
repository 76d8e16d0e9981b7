import Foundation

/// Where the site templates (page.xhtml, style.css) are found when --templates is not given:
/// `site-template/` in the working directory (a checkout), then beside the executable's
/// package (`.build/<triple>/<config>/clvbench` in a checkout), then an installed
/// `share/clvbench/site-template` next to its `bin/`. So `clvbench run` works from any
/// directory, and a miss says every place it looked.
public enum TemplateLocation {
    public static func find(explicit: String?, executable: String = Self.executable) throws -> String {
        if let explicit {
            guard FileManager.default.fileExists(atPath: explicit + "/page.xhtml") else {
                throw ReportError("\(explicit): no page.xhtml there; --templates names a directory holding page.xhtml and style.css")
            }
            return explicit
        }
        let candidates = self.candidates(executable: executable)
        if let hit = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/page.xhtml") }) { return hit }
        throw ReportError("site templates not found; looked in " + candidates.joined(separator: ", ")
            + "; pass --templates DIR (the repository's site-template/)")
    }

    public static func candidates(executable: String) -> [String] {
        let bin = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        var list = ["site-template"]
        // .build/<triple>/<config>/clvbench and .build/<config>/clvbench: the checkout is above .build.
        var dir = bin
        for _ in 0..<3 {
            if dir.lastPathComponent == ".build" {
                list.append(dir.deletingLastPathComponent().appendingPathComponent("site-template").path)
                break
            }
            dir.deleteLastPathComponent()
        }
        list.append(bin.deletingLastPathComponent().appendingPathComponent("share/clvbench/site-template").path)
        return list
    }

    /// This process's executable (/proc/self/exe on Linux).
    public static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
