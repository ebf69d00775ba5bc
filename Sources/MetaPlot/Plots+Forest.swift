import Foundation
import MetaFormat
import MetaStats

extension Plots {
    /// Which data columns a forest plot shows.
    enum ForestData: Equatable {
        /// Events and Total per arm (every study has 2×2 counts).
        case binary
        /// Mean, SD and Total per arm (every study has arm summaries).
        case continuous
        /// The study's own estimate and SE; Total per arm too when every study gives arm sizes.
        case generic(totals: Bool)

        init(_ effects: [EffectSize]) {
            if effects.allSatisfy({ $0.counts != nil }) {
                self = .binary
            } else if effects.allSatisfy({ $0.arms != nil }) {
                self = .continuous
            } else {
                self = .generic(totals: effects.allSatisfy { $0.n1 != nil && $0.n2 != nil })
            }
        }
    }

    /// The forest plot as a table: rows, columns, marks and sentences; see `forest(_:)`.
    static func forestTable(_ input: ForestPlotInput) throws(PlotError) -> EffectTable {
        let effects = input.effects
        let analysis = input.analysis
        // Nothing estimable (k = 0) but studies to list: a plot of "Not estimable" rows.
        let nothingPooled = effects.isEmpty && analysis.studies.isEmpty && analysis.k == 0 && !input.notEstimable.isEmpty
        guard nothingPooled || (!effects.isEmpty && !analysis.studies.isEmpty) else { throw .noStudies }
        guard effects.count == analysis.studies.count else {
            throw .effectCountMismatch(effects: effects.count, studies: analysis.studies.count)
        }
        let check = FiniteCheck()
        for effect in effects { try check.effect(effect) }
        if !nothingPooled { try check.analysis(analysis, "the analysis") }
        if let subgroups = input.subgroups {
            guard subgroups.labels.count == effects.count else {
                throw .subgroupLabelCount(column: subgroups.column, labels: subgroups.labels.count, studies: effects.count)
            }
            let names = Set(subgroups.analysis.groups.map(\.name))
            if let stray = subgroups.labels.first(where: { !names.contains($0) }) {
                throw .subgroupWithoutAnalysis(column: subgroups.column, subgroup: stray)
            }
            for group in subgroups.analysis.groups { try check.analysis(group.analysis, "subgroup '\(group.name)'") }
            try check.require(subgroups.analysis.qBetween, "Q between subgroups of '\(subgroups.column)'")
            try check.require(subgroups.analysis.pValue, "the p-value of the test for subgroup differences")
        }
        var input = input
        if var rob = input.riskOfBias {
            try rob.validate()
            if (effects.map(\.study) + input.notEstimable.map(\.study)).contains(where: { rob.judgements[$0] == nil }) {
                rob.note = [rob.note, "A study without dots has no risk-of-bias judgement."].compactMap { $0 }.joined(separator: " ")
            }
            input.riskOfBias = rob
        }
        let listed = effects + input.notEstimable.map {
            EffectSize(study: $0.study, yi: 0, vi: 1, input: .variance, counts: $0.counts, arms: $0.arms, n1: $0.n1, n2: $0.n2)
        }
        return try ForestTableBuilder(input: input, data: ForestData(listed), decimals: DataDecimals(listed),
                                      scale: PlotScale(input.measure, options: input.options)).table()
    }
}

/// Builds the rows of a forest plot in RevMan's order.
struct ForestTableBuilder {
    let input: ForestPlotInput
    let data: Plots.ForestData
    let decimals: DataDecimals
    let scale: PlotScale

    var measure: EffectMeasure { input.measure }
    var level: String { input.analysis.levelText }

    /// The weight whose square has side `TableMetrics.maxSquare`: the heaviest study's, or 10% if
    /// every study weighs less (so that many equal small weights do not all get the largest square).
    /// Every square's area is proportional to its study's weight, except that no square is smaller
    /// than `TableMetrics.minSquare`: a study with a tiny weight still has a visible marker.
    var referenceWeight: Double { max(input.analysis.studies.map(\.weight).max() ?? 0, 10) }

    func table() throws(PlotError) -> EffectTable {
        var rows: [EffectTable.Row] = []
        var needed: [Double] = []
        var desired: [Double] = []
        let studies = input.analysis.studies
        for study in studies {
            needed.append(study.yi)
            desired += [study.ciLower, study.ciUpper]
        }

        let missing = input.notEstimable
        if let subgroups = input.subgroups {
            var sections = subgroups.analysis.groups.map { (name: $0.name, analysis: Optional($0.analysis)) }
            for study in missing {
                let name = study.groups[subgroups.column] ?? ""
                if !sections.contains(where: { $0.name == name }) { sections.append((name, nil)) }
            }
            for section in sections {
                rows.append(.heading(heading(section.name, column: subgroups.column)))
                let members = subgroups.labels.indices.filter { subgroups.labels[$0] == section.name }
                let extra = missing.indices.filter { (missing[$0].groups[subgroups.column] ?? "") == section.name }
                rows += entries(members, extra)
                if input.options.totals == .none {
                    rows.append(.spacer)
                    continue
                }
                rows += summaryRows(section.analysis, members: members, extra: extra, label: "Subtotal (\(level) CI)")
                if let analysis = section.analysis {
                    if let sentence = Sentences.heterogeneity(analysis) { rows.append(.note(sentence)) }
                    rows.append(.note(Sentences.overallEffect(analysis)))
                    needed += pooledValues(analysis)
                    desired += predictionValues(analysis)
                } else {
                    rows.append(.note("Heterogeneity: Not applicable"))
                    rows.append(.note("Test for overall effect: Not applicable"))
                }
                rows.append(.spacer)
            }
        } else {
            rows += entries(Array(studies.indices), Array(missing.indices))
        }
        let pooled = input.analysis.k == 0 ? nil : input.analysis
        var footer: [String] = []
        if input.options.totals != .overall {
            // No overall total: the axis still covers the studies and any subtotals.
            for study in studies { needed.append(study.yi) }
            if input.options.totals == .subgroups { footer.append(Sentences.subgroupDifferences(input.subgroups?.analysis)) }
            return try table(rows: rows, footer: footer, needed: needed, desired: desired)
        }
        rows += summaryRows(pooled, members: Array(studies.indices), extra: Array(missing.indices),
                            label: "Total (\(level) CI)")
        if let pooled {
            needed += pooledValues(pooled)
            desired += predictionValues(pooled)
            if let sentence = Sentences.heterogeneity(pooled) { footer.append(sentence) }
            footer.append(Sentences.overallEffect(pooled))
        } else {
            // RevMan's default scale when there is nothing to show.
            needed += [scale.log ? Foundation.log(100) : 100]
            footer += ["Heterogeneity: Not applicable", "Test for overall effect: Not applicable"]
        }
        footer.append(Sentences.subgroupDifferences(input.subgroups?.analysis))

        return try table(rows: rows, footer: footer, needed: needed, desired: desired)
    }

    /// The forest plot's table over an axis that holds `needed` (and `desired` within a step).
    func table(rows: [EffectTable.Row], footer: [String], needed: [Double], desired: [Double]) throws(PlotError) -> EffectTable {
        let (columns, groups) = columnsAndGroups()
        return EffectTable(
            title: input.title, labelHeader: "Study or Subgroup", columns: columns, groups: groups,
            effectHeader: (scale.title, input.analysis.methodHeading), rows: rows, footer: footer,
            axis: try EffectAxis.make(log: scale.log, needed: needed, desired: desired, range: input.options.axis,
                                      proportion: scale.proportion),
            favours: input.labels.sides(input.direction), reference: nil, riskOfBias: input.riskOfBias)
    }

    /// A subgroup section's heading: the user's label for the value, else "<column> = <value>"
    /// (the value alone for a column named "subgroup", whose values are headings already).
    func heading(_ value: String, column: String) -> String {
        if let label = input.options.subgroupLabels[value] { return label }
        let shown = value.trimmingCharacters(in: .whitespaces).isEmpty ? "(blank)" : value
        return column.lowercased() == "subgroup" ? shown : "\(column) = \(shown)"
    }

    /// The rows of pooled studies `members` in the plot's order with the not-estimable studies
    /// `extra`: where they are in the data when the rows keep its order, else after the others.
    func entries(_ members: [Int], _ extra: [Int]) -> [EffectTable.Row] {
        let missing = input.notEstimable
        if input.options.order == .year {
            // Every row by year, the not-estimable ones among the others; undated rows last.
            func year(_ name: String) -> Int? { input.options.years[name] ?? Self.year(in: name) }
            let all = members.map { (row: studyRow($0), year: year(input.effects[$0].study)) }
                + extra.map { (row: notEstimableRow($0), year: year(missing[$0].study)) }
            return all.stablySorted { $0.year }.map(\.row)
        }
        guard input.options.order == .none else { return ordered(members).map(studyRow) + extra.map(notEstimableRow) }
        var rows: [EffectTable.Row] = []
        var pending = extra.sorted { missing[$0].position < missing[$1].position }[...]
        for member in members {
            while let next = pending.first, missing[next].position <= member {
                rows.append(notEstimableRow(next))
                pending.removeFirst()
            }
            rows.append(studyRow(member))
        }
        return rows + pending.map(notEstimableRow)
    }

    /// A study that could not be estimated: its data, no weight, "Not estimable", no mark.
    func notEstimableRow(_ index: Int) -> EffectTable.Row {
        let study = input.notEstimable[index]
        let d = decimals
        var cells: [String?]
        switch data {
        case .binary:
            guard let c = study.counts else { return EffectTable.Row(kind: .entry, label: study.study, effect: "Not estimable") }
            cells = [d.count(c.events1), d.count(c.total1), d.count(c.events2), d.count(c.total2)]
        case .continuous:
            guard let a = study.arms else { return EffectTable.Row(kind: .entry, label: study.study, effect: "Not estimable") }
            cells = [d.mean(a.mean1), d.sd(a.sd1), d.count(a.n1), d.mean(a.mean2), d.sd(a.sd2), d.count(a.n2)]
        case .generic(let totals):
            cells = [nil, nil] + (totals ? [study.n1.map(d.count), study.n2.map(d.count)] : [])
        }
        var row = EffectTable.Row(kind: .entry, label: study.study, cells: cells + [nil], effect: "Not estimable")
        row.judgements = input.riskOfBias?.judgements[study.study]
        return row
    }

    /// Study indices in the plot's order (stable: ties keep the data's order).
    func ordered(_ indices: [Int]) -> [Int] {
        let studies = input.analysis.studies
        func sorted(by key: (Int) -> Double?) -> [Int] { indices.stablySorted(by: key) }
        switch input.options.order {
        case .none: return indices
        case .weight: return sorted { -studies[$0].weight }
        case .effect: return sorted { studies[$0].yi }
        case .year:
            return sorted { index in
                let name = input.effects[index].study
                return (input.options.years[name] ?? Self.year(in: name)).map(Double.init)
            }
        }
    }

    /// The last four-digit number from 1800 to 2199 in a study label ("Smith 1999b" → 1999).
    static func year(in label: String) -> Int? {
        var year: Int?
        var digits = ""
        for character in label + " " {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            if digits.count == 4, let value = Int(digits), (1800...2199).contains(value) { year = value }
            digits = ""
        }
        return year
    }

    /// The pooled estimate and its interval: values the axis must show.
    func pooledValues(_ analysis: MetaAnalysis) -> [Double] {
        let pooled = analysis.pooled
        return [pooled.estimate, pooled.ciLower, pooled.ciUpper]
    }

    /// The prediction interval: values the axis should show if it can.
    func predictionValues(_ analysis: MetaAnalysis) -> [Double] {
        [analysis.pooled.piLower, analysis.pooled.piUpper].compactMap { $0 }
    }

    func columnsAndGroups() -> ([EffectTable.Column], [EffectTable.ColumnGroup]) {
        let labels = input.labels
        let armColumns: [String]
        var columns: [EffectTable.Column] = []
        var groups: [EffectTable.ColumnGroup] = []
        switch data {
        case .binary: armColumns = ["Events", "Total"]
        case .continuous: armColumns = ["Mean", "SD", "Total"]
        case .generic(let totals):
            columns = [.init(header: scale.analysisScaleTitle), .init(header: "SE")]
            armColumns = totals ? ["Total"] : []
        }
        if !armColumns.isEmpty {
            for title in [labels.experimental, labels.control] {
                let start = columns.count
                columns += armColumns.map { EffectTable.Column(header: $0) }
                groups.append(.init(title: title, columns: start..<columns.count))
            }
        }
        columns.append(.init(header: "Weight"))
        return (columns, groups)
    }

    /// The data cells of study `index`, then its weight.
    func cells(_ index: Int) -> [String?] {
        let effect = input.effects[index]
        let weight = Format.percent(input.analysis.studies[index].weight, 1)
        let d = decimals
        switch data {
        case .binary:
            guard let c = effect.counts else { return [] }
            return [d.count(c.events1), d.count(c.total1), d.count(c.events2), d.count(c.total2), weight]
        case .continuous:
            guard let a = effect.arms else { return [] }
            return [d.mean(a.mean1), d.sd(a.sd1), d.count(a.n1), d.mean(a.mean2), d.sd(a.sd2), d.count(a.n2), weight]
        case .generic(let totals):
            var cells: [String?] = [Format.fixed(effect.yi, 4), Format.fixed(effect.se, 4)]
            if totals { cells += [effect.n1.map(d.count), effect.n2.map(d.count)] }
            return cells + [weight]
        }
    }

    func studyRow(_ index: Int) -> EffectTable.Row {
        let study = input.analysis.studies[index]
        let side = Self.squareSide(weight: study.weight, reference: referenceWeight)
        var row = EffectTable.Row(
            kind: .entry, label: input.effects[index].study, cells: cells(index),
            effect: scale.intervalText(study.yi, study.ciLower, study.ciUpper),
            mark: .square(estimate: study.yi, lower: study.ciLower, upper: study.ciUpper, side: side))
        row.judgements = input.riskOfBias?.judgements[input.effects[index].study]
        return row
    }

    /// The side of a study's square: area proportional to weight, the reference weight's square
    /// `TableMetrics.maxSquare` wide, never less than `TableMetrics.minSquare`.
    static func squareSide(weight: Double, reference: Double) -> Double {
        let proportional = TableMetrics.maxSquare * (max(0, weight) / reference).squareRoot()
        return max(TableMetrics.minSquare, min(TableMetrics.maxSquare, proportional))
    }

    /// The (sub)total row with its diamond (or "Not estimable" when nothing in it could be
    /// pooled), the prediction interval and, for binary data, the total events. Participants and
    /// events of the not-estimable studies `extra` count in the totals, as in RevMan.
    func summaryRows(_ analysis: MetaAnalysis?, members: [Int], extra: [Int], label: String) -> [EffectTable.Row] {
        let weight = Format.percent(members.reduce(0) { $0 + input.analysis.studies[$1].weight }, 1)
        let missing = input.notEstimable
        func sum(_ value: (EffectSize) -> Double?, _ other: (NotEstimableStudy) -> Double?) -> String {
            decimals.count(members.reduce(0) { $0 + (value(input.effects[$1]) ?? 0) }
                           + extra.reduce(0) { $0 + (other(missing[$1]) ?? 0) })
        }
        var cells: [String?]
        switch data {
        case .binary:
            cells = [nil, sum({ $0.counts?.total1 }, { $0.counts?.total1 }), nil, sum({ $0.counts?.total2 }, { $0.counts?.total2 }), weight]
        case .continuous:
            cells = [nil, nil, sum({ $0.arms?.n1 }, { $0.arms?.n1 }), nil, nil, sum({ $0.arms?.n2 }, { $0.arms?.n2 }), weight]
        case .generic(let totals):
            cells = [nil, nil] + (totals ? [sum(\.n1, \.n1), sum(\.n2, \.n2)] : []) + [weight]
        }
        var rows: [EffectTable.Row]
        if let analysis {
            let pooled = analysis.pooled
            rows = [EffectTable.Row(
                kind: .entry, label: label, cells: cells,
                effect: scale.intervalText(pooled.estimate, pooled.ciLower, pooled.ciUpper),
                mark: .diamond(estimate: pooled.estimate, lower: pooled.ciLower, upper: pooled.ciUpper), bold: true)]
            if let lower = pooled.piLower, let upper = pooled.piUpper {
                rows.append(EffectTable.Row(kind: .entry, label: "Prediction interval", cells: [],
                                            effect: scale.boundsText(lower, upper),
                                            mark: .interval(lower: lower, upper: upper)))
            }
        } else {
            cells[cells.count - 1] = nil
            rows = [EffectTable.Row(kind: .entry, label: label, cells: cells, effect: "Not estimable", bold: true)]
        }
        if data == .binary {
            rows.append(EffectTable.Row(kind: .entry, label: "Total events:",
                                        cells: [sum({ $0.counts?.events1 }, { $0.counts?.events1 }), nil,
                                                sum({ $0.counts?.events2 }, { $0.counts?.events2 }), nil, nil]))
        }
        return rows
    }
}

/// The decimals of each data column, chosen from the data as RevMan prints arm data: every value
/// of a column with the same number of decimals, as many as the values need (so typed data look as
/// typed) but no more than three significant digits need, with at least two kept for values
/// that have them (SD 0.474763098818769 → 0.475, 12.3456 → 12.35); never more than four. Counts and
/// totals are integers unless some are not. Means share one count of decimals across both arms,
/// as do SDs.
struct DataDecimals: Sendable, Hashable {
    var means: Int
    var sds: Int
    var counts: Int

    static let maxDecimals = 4

    init(means: Int, sds: Int, counts: Int) {
        self.means = means
        self.sds = sds
        self.counts = counts
    }

    init(_ effects: [EffectSize]) {
        var means: [Double] = [], sds: [Double] = [], counts: [Double] = []
        for effect in effects {
            if let a = effect.arms {
                means += [a.mean1, a.mean2]
                sds += [a.sd1, a.sd2]
                counts += [a.n1, a.n2]
            }
            if let c = effect.counts { counts += [c.events1, c.total1, c.events2, c.total2] }
            counts += [effect.n1, effect.n2].compactMap { $0 }
        }
        self.init(means: Self.decimals(means), sds: Self.decimals(sds), counts: Self.decimals(counts))
    }

    /// The decimals a column of `values` is printed with (see the type's description).
    static func decimals(_ values: [Double]) -> Int {
        values.filter(\.isFinite).map(decimals).max() ?? 0
    }

    /// The decimals one value needs: exact if it has at most that many, else three significant
    /// digits (at least two decimals), capped at `maxDecimals`.
    static func decimals(_ value: Double) -> Int {
        let magnitude = value == 0 ? 0 : Int(floor(log10(abs(value))))
        let limit = min(maxDecimals, max(2, 2 - magnitude))
        for digits in 0...limit {
            let scaled = abs(value) * pow(10, Double(digits))
            if abs(scaled - scaled.rounded()) <= 1e-9 * max(1, scaled) { return digits }
        }
        return limit
    }

    func mean(_ value: Double) -> String { Format.fixed(value, means) }
    func sd(_ value: Double) -> String { Format.fixed(value, sds) }
    func count(_ value: Double) -> String { Format.fixed(value, counts) }
}

extension Array {
    /// Sorted by `key`, smallest first, the elements without one last; ties keep their order.
    func stablySorted<Key: Comparable>(by key: (Element) -> Key?) -> [Element] {
        enumerated().sorted { a, b in
            switch (key(a.element), key(b.element)) {
            case let (x?, y?) where x != y: return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.offset < b.offset
            }
        }.map(\.element)
    }
}
