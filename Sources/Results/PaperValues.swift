// The paper's plotted values of one figure (paper/figures.csv), placed on our epoch axis by the
// one alignment convention every consumer shares: our epoch = the paper's x + plot.paper_shift
// (README, "Epochs: ours against the paper's"). The plots, the comparison tables and the
// paper-values claims all read them through here.
import Config

public struct PaperValues: Sendable {
    public struct Point: Sendable, Equatable {
        /// Our epoch: the paper's x plus the shift.
        public var epoch: Double
        /// The paper's value; nil when the point lies above the drawn axis.
        public var value: Double?
        /// For a point above the axis, the axis limit it exceeds (a lower bound of its value).
        public var above: Double?
    }

    /// Each series in file order: named as our arms are ("adagrad+dropout" becomes
    /// "adagrad-dropout"), its legend entry as the paper writes it, and its points.
    public var series: [(name: String, label: String, points: [Point])]
    public var shift: Double

    /// The rows of `table` whose `figure` column is `figure`, moved by `shift` epochs.
    public init(_ table: CSVTable, figure: String, shift: Double) {
        self.shift = shift
        series = []
        guard let f = table.header.firstIndex(of: "figure"), let s = table.header.firstIndex(of: "series"),
              let x = table.header.firstIndex(of: "x"), let y = table.header.firstIndex(of: "y") else { return }
        let above = table.header.firstIndex(of: "above")
        var index: [String: Int] = [:]
        for row in table.rows where row.count > max(f, s, x, y) && row[f] == figure {
            guard let xv = Double(row[x]) else { continue }
            let name = PaperValues.armName(row[s])
            if index[name] == nil { index[name] = series.count; series.append((name, row[s], [])) }
            series[index[name]!].points.append(Point(epoch: xv + shift, value: Double(row[y]), above: above.flatMap { Double(row[$0]) }))
        }
    }

    /// The paper's legend entry as our arm is named.
    public static func armName(_ series: String) -> String { series.replacingOccurrences(of: "+", with: "-") }

    public func points(of arm: String) -> [Point] { series.first { $0.name == arm }?.points ?? [] }
}
