/// Risk-of-bias columns beside a forest plot, as RevMan draws them: one column per domain, lettered
/// A, B, C, … under a "Risk of Bias" header, a coloured dot with the judgement's symbol in each study's
/// row (so that it reads in greyscale), and below the plot a legend naming each lettered domain and
/// each judgement.
public struct ForestRiskOfBias: Sendable, Hashable {
    /// The domains in column order ("Bias arising from the randomisation process", …, "Overall risk of bias").
    public var domains: [String]
    /// The judgements, in legend order.
    public var categories: [RiskOfBiasCategory]
    /// Study label (as `EffectSize.study` or `NotEstimableStudy.study`) → one index into `categories`
    /// per domain. A study not listed has no dots.
    public var judgements: [String: [Int]]
    /// A sentence under the legend (e.g. that only overall judgements are published).
    public var note: String?

    public init(domains: [String], categories: [RiskOfBiasCategory], judgements: [String: [Int]], note: String? = nil) {
        self.domains = domains
        self.categories = categories
        self.judgements = judgements
        self.note = note
    }

    /// The letter of column `index`: A … Z, then AA, AB, ….
    public static func letter(_ index: Int) -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var i = index, text = ""
        repeat {
            text = String(letters[i % 26]) + text
            i = i / 26 - 1
        } while i >= 0
        return text
    }

    func validate() throws(PlotError) {
        guard !domains.isEmpty, !categories.isEmpty else {
            throw .emptyRiskOfBias(domains: domains.count, judgements: categories.count)
        }
        for (study, cells) in judgements.sorted(by: { $0.key < $1.key }) {
            guard cells.count == domains.count, cells.allSatisfy({ categories.indices.contains($0) }) else {
                throw .judgementCount(study: study, judgements: cells.count, domains: domains.count)
            }
        }
    }
}

/// Sizes of the risk-of-bias columns, in points.
enum RiskOfBiasColumnMetrics {
    /// Centre-to-centre distance of the domain columns.
    static let pitch = 13.0
    static let dot = 10.0
    static let header = "Risk of Bias"
    static let legendHeader = "Risk of bias legend"
}
