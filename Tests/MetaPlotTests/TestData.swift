import Foundation
import MetaPlot
import MetaStats
import MetaTestSupport

/// Published data sets, pooled with MetaStats, as plot inputs.
enum TestData {
    /// Colditz et al. (1994): 13 BCG vaccine trials, 2×2 counts, allocation for subgroups.
    static func bcgInputs() throws -> (inputs: [StudyInput], allocation: [String]) {
        let rows = try loadCSV("bcg.csv", bundle: .module)
        let inputs = rows.map { row in
            StudyInput(study: "\(row["author"] ?? "") \(row["year"] ?? "")", data: .binary(BinaryCounts(
                events1: Double(row["tpos"] ?? "") ?? .nan,
                total1: (Double(row["tpos"] ?? "") ?? .nan) + (Double(row["tneg"] ?? "") ?? .nan),
                events2: Double(row["cpos"] ?? "") ?? .nan,
                total2: (Double(row["cpos"] ?? "") ?? .nan) + (Double(row["cneg"] ?? "") ?? .nan))))
        }
        return (inputs, rows.map { $0["alloc"] ?? "" })
    }

    /// Fleiss (1993): aspirin after myocardial infarction, as in the RevMan example review.
    static let aspirin: [StudyInput] = [
        ("MRC-1", 49, 615, 67, 624), ("CDP", 44, 758, 64, 771), ("MRC-2", 102, 832, 126, 850),
        ("GASP", 32, 317, 38, 309), ("PARIS", 85, 810, 52, 406), ("AMIS", 246, 2267, 219, 2257),
        ("ISIS-2", 1570, 8587, 1720, 8600),
    ].map { name, e1, n1, e2, n2 in
        StudyInput(study: name, data: .binary(BinaryCounts(events1: e1, total1: n1, events2: e2, total2: n2)))
    }

    /// Normand (1999): 9 stroke-care trials, length of stay, means and SDs per arm.
    static func normandInputs() throws -> [StudyInput] {
        try loadCSV("normand1999.csv", bundle: .module).map { row in
            func value(_ key: String) -> Double { Double(row[key] ?? "") ?? .nan }
            return StudyInput(study: row["source"] ?? "", data: .continuous(ContinuousArms(
                n1: value("n1i"), mean1: value("m1i"), sd1: value("sd1i"),
                n2: value("n2i"), mean2: value("m2i"), sd2: value("sd2i"))))
        }
    }

    /// Hackshaw et al. (1997): 37 studies of passive smoking, log odds ratios with variances.
    static func hackshawEffects() throws -> (effects: [EffectSize], design: [String]) {
        let rows = try loadCSV("hackshaw1998.csv", bundle: .module)
        let inputs = rows.map { row in
            StudyInput(study: "\(row["author"] ?? "") \(row["year"] ?? "")",
                       data: .generic(yi: Double(row["yi"] ?? "") ?? .nan, vi: Double(row["vi"] ?? "") ?? .nan))
        }
        return (try EffectSizes.compute(inputs, measure: .or).effects, rows.map { $0["design"] ?? "" })
    }

    /// Raudenbush (1985): 19 teacher-expectancy studies, SMD with variances and arm sizes.
    static func raudenbushEffects() throws -> [EffectSize] {
        try loadCSV("raudenbush1985.csv", bundle: .module).map { row in
            func value(_ key: String) -> Double { Double(row[key] ?? "") ?? .nan }
            return EffectSize(study: "\(row["author"] ?? "") \(row["year"] ?? "")", yi: value("yi"), vi: value("vi"),
                              input: .variance, n1: value("n1i"), n2: value("n2i"))
        }
    }

    static func effects(_ inputs: [StudyInput], _ measure: EffectMeasure) throws -> [EffectSize] {
        try EffectSizes.compute(inputs, measure: measure).effects
    }

    static func forest(_ inputs: [StudyInput], measure: EffectMeasure, options: PoolingOptions = PoolingOptions(),
                       direction: FavourableDirection = .lower, labels: PlotLabels = .standard,
                       title: String? = nil) throws -> ForestPlotInput {
        let effects = try effects(inputs, measure)
        return try forest(effects, measure: measure, options: options, direction: direction, labels: labels, title: title)
    }

    static func forest(_ effects: [EffectSize], measure: EffectMeasure, options: PoolingOptions = PoolingOptions(),
                       direction: FavourableDirection = .lower, labels: PlotLabels = .standard,
                       title: String? = nil) throws -> ForestPlotInput {
        let analysis = try Pooling.analyze(effects, measure: measure, options: options)
        return ForestPlotInput(title: title, measure: measure, analysis: analysis, effects: effects,
                               direction: direction, labels: labels)
    }

    /// A forest input with one section per subgroup.
    static func subgroupForest(_ effects: [EffectSize], labels groupLabels: [String], column: String,
                               measure: EffectMeasure, options: PoolingOptions = PoolingOptions()) throws -> ForestPlotInput {
        var input = try forest(effects, measure: measure, options: options)
        let subgroups = try Subgroups.analyze(effects, labels: groupLabels, measure: measure, options: options)
        input.subgroups = ForestSubgroups(column: column, labels: groupLabels, analysis: subgroups)
        return input
    }

    /// `k` synthetic studies with arm summaries (seeded), for size and stress tests.
    static func syntheticContinuous(k: Int, seed: UInt64, nameLength: Int = 0) -> [StudyInput] {
        var rng = SplitMix64(seed: seed)
        return (0..<k).map { i in
            let n1 = Double(Int.random(in: 10...400, using: &rng))
            let n2 = Double(Int.random(in: 10...400, using: &rng))
            let mean1 = (Double.random(in: 10...30, using: &rng) * 10).rounded() / 10
            let mean2 = (Double.random(in: 10...30, using: &rng) * 10).rounded() / 10
            let sd1 = (Double.random(in: 3...12, using: &rng) * 10).rounded() / 10
            let sd2 = (Double.random(in: 3...12, using: &rng) * 10).rounded() / 10
            var name = "Study \(i + 1) \(2000 + i % 25)"
            if nameLength > name.count {
                let filler = " of a remarkably long and descriptive trial name with many words"
                while name.count < nameLength { name += filler }
                name = String(name.prefix(nameLength))
            }
            return StudyInput(study: name, data: .continuous(ContinuousArms(n1: n1, mean1: mean1, sd1: sd1,
                                                                            n2: n2, mean2: mean2, sd2: sd2)))
        }
    }

    /// `k` synthetic 2×2 tables (seeded).
    static func syntheticBinary(k: Int, seed: UInt64) -> [StudyInput] {
        var rng = SplitMix64(seed: seed)
        return (0..<k).map { i in
            let n1 = Double(Int.random(in: 20...500, using: &rng))
            let n2 = Double(Int.random(in: 20...500, using: &rng))
            let e1 = Double(Int.random(in: 1...Int(n1 / 3), using: &rng))
            let e2 = Double(Int.random(in: 1...Int(n2 / 3), using: &rng))
            return StudyInput(study: "Trial \(i + 1)",
                              data: .binary(BinaryCounts(events1: e1, total1: n1, events2: e2, total2: n2)))
        }
    }

    /// 22 trials of which one (a mega-trial, 29,000 per arm) carries most of the fixed-effect
    /// weight, as in the magnesium-in-myocardial-infarction reviews; the others are small.
    static func dominantTrial() -> [StudyInput] {
        var rng = SplitMix64(seed: 22)
        var inputs = (0..<21).map { i -> StudyInput in
            let n1 = Double(Int.random(in: 20...160, using: &rng))
            let n2 = Double(Int.random(in: 20...160, using: &rng))
            let e1 = Double(Int.random(in: 1...max(1, Int(n1 / 6)), using: &rng))
            let e2 = Double(Int.random(in: 1...max(1, Int(n2 / 5)), using: &rng))
            return StudyInput(study: "Trial \(i + 1) \(1980 + i)",
                              data: .binary(BinaryCounts(events1: e1, total1: n1, events2: e2, total2: n2)))
        }
        inputs.insert(StudyInput(study: "MEGA 1995", data: .binary(BinaryCounts(events1: 2216, total1: 29011,
                                                                                  events2: 2103, total2: 29039))), at: 15)
        return inputs
    }
}
