import Foundation

/// Fashion-MNIST (Xiao et al. 2017, MIT) as Debian's `dataset-fashion-mnist` ships it:
/// gzipped IDX files under /usr/share/datasets/fashion-mnist.
public struct FashionMNIST: Sendable {
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"
    public static let debianPackage = "dataset-fashion-mnist"
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    public struct Part: Sendable {
        /// 28 x 28 grey values per image, row-major, 0...255.
        public var pixels: [UInt8]
        public var labels: [UInt8]
        public var rows: Int
        public var cols: Int
        public var count: Int { labels.count }
    }

    public let train: Part
    public let test: Part

    public struct LoadError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    static let files = (trainImages: "train-images-idx3-ubyte.gz", trainLabels: "train-labels-idx1-ubyte.gz",
                        testImages: "t10k-images-idx3-ubyte.gz", testLabels: "t10k-labels-idx1-ubyte.gz")

    static var allFiles: [String] { [files.trainImages, files.trainLabels, files.testImages, files.testLabels] }

    /// Whether the four gzipped IDX files are in `directory` (for `clvbench doctor`).
    public static func isInstalled(directory: String = defaultDirectory) -> Bool {
        allFiles.allSatisfy { FileManager.default.fileExists(atPath: directory + "/" + $0) }
    }

    public init(directory: String = FashionMNIST.defaultDirectory) throws {
        let all = Self.allFiles
        for f in all where !FileManager.default.fileExists(atPath: directory + "/" + f) {
            throw LoadError(description: "Fashion-MNIST not found: \(directory)/\(f) is missing. "
                + (directory == Self.defaultDirectory
                    ? "Install Debian's package \(Self.debianPackage): apt-get install \(Self.debianPackage)"
                    : "Point the suite at a directory holding the four gzipped IDX files, or install \(Self.debianPackage)"))
        }
        train = try Self.part(directory, Self.files.trainImages, Self.files.trainLabels)
        test = try Self.part(directory, Self.files.testImages, Self.files.testLabels)
    }

    static func part(_ dir: String, _ imagesName: String, _ labelsName: String) throws -> Part {
        let images = try IDX.read(path: dir + "/" + imagesName, expectDimensions: 3)
        let labels = try IDX.read(path: dir + "/" + labelsName, expectDimensions: 1)
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw LoadError(description: "\(dir)/\(labelsName): \(labels.dimensions[0]) labels for \(images.dimensions[0]) images in \(imagesName)")
        }
        if let bad = labels.data.firstIndex(where: { $0 > 9 }) {
            throw LoadError(description: "\(dir)/\(labelsName): label \(labels.data[bad]) at item \(bad) is not a class 0...9")
        }
        return Part(pixels: images.data, labels: labels.data, rows: images.dimensions[1], cols: images.dimensions[2])
    }
}

/// The IDX format of (Fashion-)MNIST: magic (0, 0, type 0x08 = unsigned byte, dimension count),
/// big-endian 32-bit sizes, then the bytes. Read from a gzip file.
public enum IDX {
    public struct Array: Sendable {
        public var dimensions: [Int]
        public var data: [UInt8]
    }

    public static func read(path: String, expectDimensions: Int) throws -> Array {
        guard let compressed = FileManager.default.contents(atPath: path) else {
            throw FashionMNIST.LoadError(description: "\(path): cannot read the file")
        }
        let raw: Data
        do { raw = try Gzip.decompress(compressed) } catch {
            throw FashionMNIST.LoadError(description: "\(path): \(error) (expected a gzipped IDX file)")
        }
        return try parse([UInt8](raw), name: path, expectDimensions: expectDimensions)
    }

    public static func parse(_ b: [UInt8], name: String, expectDimensions: Int) throws -> Array {
        func fail(_ m: String) -> FashionMNIST.LoadError { .init(description: "\(name): \(m)") }
        guard b.count >= 4 else { throw fail("truncated: \(b.count) bytes, no IDX header") }
        guard b[0] == 0, b[1] == 0, b[2] == 0x08 else {
            throw fail(String(format: "not an unsigned-byte IDX file (magic %02x %02x %02x %02x)", b[0], b[1], b[2], b[3]))
        }
        let dims = Int(b[3])
        guard dims == expectDimensions else { throw fail("\(dims) dimensions, expected \(expectDimensions)") }
        guard b.count >= 4 + 4 * dims else { throw fail("truncated header") }
        var sizes: [Int] = []
        for d in 0..<dims {
            let o = 4 + 4 * d
            sizes.append(Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3]))
        }
        let expected = sizes.reduce(1, *)
        let body = b.count - 4 - 4 * dims
        guard body == expected else {
            throw fail("header says \(sizes.map(String.init).joined(separator: "x")) = \(expected) bytes, file holds \(body)"
                + (body < expected ? " (truncated)" : ""))
        }
        return Array(dimensions: sizes, data: Swift.Array(b[(4 + 4 * dims)...]))
    }
}
