import Foundation
import Testing
@testable import Environments

/// A contact sheet written to disk and decoded again (libpng, not our encoder) shows, cell by
/// cell, each sample's pixels scaled up by the zoom, on a white grid.
struct ContactSheetPixelTests {
    static func world(_ kind: String) throws -> any EnvironmentWorld {
        if kind == "emoji" { return try EmojiWorld(config: EmojiWorld.Config(), similarity: SimilaritySetting(sv: 0.3, sl: 0.5)) }
        var c = ProceduralWorldConfig()
        c.seed = 3
        return try ProceduralWorld(config: c, similarity: SimilaritySetting(sv: 0.3, sl: 0.5))
    }

    @Test(arguments: [("procedural", 8, 64, 3), ("emoji", 5, 7, 2)])
    func cellsAreTheSamplesPixels(kind: String, columns: Int, count: Int, zoom: Int) throws {
        let world = try Self.world(kind)
        let e = 1, n = world.imageSize, gap = 2
        let sheet = ContactSheet(columns: columns, count: count, zoom: zoom)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clvbench-sheet-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try sheet.render(world: world, environment: e, split: .evaluation).png.write(to: url)
        let image = try PNG.decode(file: url.path)
        let cell = n * zoom + gap, rows = (count + columns - 1) / columns
        #expect(image.width == columns * cell + gap && image.height == rows * cell + gap)
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(image.rgb[((y * image.width + x) * 3)..<((y * image.width + x) * 3 + 3)]) }
        var covered = Set<Int>()
        for i in 0..<count {
            let s = world.sample(environment: e, split: .evaluation, index: i)
            let left = gap + (i % columns) * cell, top = gap + (i / columns) * cell
            var mismatches = 0
            for y in 0..<(n * zoom) {
                for x in 0..<(n * zoom) {
                    let want = (0..<3).map { UInt8((s.image[((y / zoom) * n + x / zoom) * 3 + $0] * 255).rounded()) }
                    if pixel(left + x, top + y) != want { mismatches += 1 }
                    covered.insert((top + y) * image.width + left + x)
                }
            }
            #expect(mismatches == 0, "image \(i): \(mismatches) pixels differ")
        }
        // Everything outside the cells (gaps, and empty cells of the last row) is white.
        var other = 0
        for p in 0..<(image.width * image.height) where !covered.contains(p) {
            if image.rgb[(p * 3)..<(p * 3 + 3)] != [255, 255, 255] { other += 1 }
        }
        #expect(other == 0)
        // Samples differ from one another, so a sheet repeating one image would fail above.
        #expect(world.sample(environment: e, split: .evaluation, index: 0).image != world.sample(environment: e, split: .evaluation, index: 1).image)
    }
}
