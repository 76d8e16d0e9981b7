import XCTest
@testable import Linalg

/// XCTest beside Swift Testing (both run under `swift test`): reshaping and gathering against
/// index arithmetic done by hand.
final class MatrixXCTests: XCTestCase {
    func testReshapeKeepsRowMajorOrder() {
        var m = Matrix([[1, 2, 3], [4, 5, 6]])
        m.reshape(rows: 3, cols: 2)
        XCTAssertEqual(m, Matrix([[1, 2], [3, 4], [5, 6]]))
        XCTAssertEqual(m[2, 1], 6)
    }

    func testGatherAndSetRow() {
        var m = Matrix(rows: 4, cols: 2, storage: (0..<8).map(Float.init))
        XCTAssertEqual(m.gatherRows([3, 0]).storage, [6, 7, 0, 1])
        m.setRow(1, [9, 9])
        XCTAssertEqual(m.row(1), [9, 9])
        XCTAssertEqual(m.storage[2...3], [9, 9])
    }
}
