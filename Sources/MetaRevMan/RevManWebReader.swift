import Foundation
import MetaTables

/// Reads a RevMan Web data package: the folder RevMan Web exports, with
/// `*-analysis-data/*-data-rows.csv` (per study), `*-overall-estimates-and-settings.csv` (method,
/// model, labels, pooled results, heterogeneity, tests) and `*-subgroup-estimates.csv`. Numbers in the
/// package are printed to 6 decimal places.
public enum RevManWebReader {
    /// The package files found under a folder.
    struct Files {
        var dataRows: URL
        var settings: URL
        var subgroups: URL?
    }

    public static func read(folder: String) throws(RevManNote) -> RevManReview {
        let files = try packageFiles(folder)
        var contents: [String: Data] = [:]
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw RevManNote(file: path, line: nil, message: "cannot read the file")
            }
            contents[path] = data
        }
        return try read(folder: folder, contents: contents)
    }

    /// The package's files metapipe reads (data rows, settings, subgroup estimates), as paths.
    public static func packageFiles(_ folder: String) throws(RevManNote) -> [String] {
        let f = try find(folder)
        return ([f.dataRows, f.settings] + (f.subgroups.map { [$0] } ?? [])).map { display($0, folder) }
    }

    /// Reads the package from the given file contents (keyed by the paths `packageFiles` returns).
    public static func read(folder: String, contents: [String: Data]) throws(RevManNote) -> RevManReview {
        let paths = try packageFiles(folder)
        func file(_ suffix: String) -> String? { paths.first { $0.hasSuffix(suffix) } }
        func load(_ path: String) throws(RevManNote) -> PackageCSV {
            guard let data = contents[path] else { throw RevManNote(file: path, line: nil, message: "cannot read the file") }
            return try table(data, display: path)
        }
        let settings = try load(file("-overall-estimates-and-settings.csv")!)
        let rows = try load(file("-data-rows.csv")!)
        let subgroupTable = try file("-subgroup-estimates.csv").map { (path: String) throws(RevManNote) in try load(path) }
        var outcomes: [RevManOutcome] = []
        var skipped: [RevManNote] = []
        var title = ""
        for record in settings.records {
            let id = "\(record["Analysis group"]).\(record["Analysis number"])"
            title = record["Analysis group name"].isEmpty ? title : record["Analysis group name"]
            let dataType = record["Data type"].lowercased()
            let kind: RevManOutcome.DataType
            switch dataType {
            case "dichotomous": kind = .dichotomous
            case "continuous": kind = .continuous
            case "generic inverse variance", "giv": kind = .generic
            default:
                skipped.append(RevManNote(file: settings.display, line: record.line,
                                          message: "skipped analysis \(id) '\(record["Analysis name"])': data type '\(record["Data type"])' is not supported"))
                continue
            }
            let measure = kind == .generic ? "GIV" : Self.measure(record["Effect measure"], method: record["Statistical method"])
            guard let measure else {
                skipped.append(RevManNote(file: settings.display, line: record.line,
                                          message: "skipped analysis \(id) '\(record["Analysis name"])': effect measure '\(record["Effect measure"])' is not supported"))
                continue
            }
            var stats = try numbers(record, settings, [("Mean", "estimate"), ("CI start", "ci_lower"), ("CI end", "ci_upper"),
                                                      ("Effect Z", "z"), ("Effect P", "p_z"), ("Heterogeneity Chi²", "chi2"),
                                                      ("Heterogeneity df", "df"), ("Heterogeneity P", "p_chi2"),
                                                      ("Heterogeneity I²", "i2"), ("Heterogeneity Tau²", "tau2")])
            // RevMan Web writes zeros for an analysis it never calculated.
            let calculated = !(stats["estimate"] == 0 && stats["ci_lower"] == 0 && stats["ci_upper"] == 0)
            if !calculated { stats = [:] }
            let test = calculated ? try numbers(record, settings, [("Subgroup Chi²", "q_between"), ("Subgroup df", "df_between"),
                                                                   ("Subgroup P", "p_between"), ("Subgroup I²", "i2_between")]) : [:]
            let level = record["CI/PI level"].replacingOccurrences(of: "%", with: "")
            let ci = Double(record["Study CI"].replacingOccurrences(of: "%", with: "")) ?? Double(level) ?? 95
            let ciTotal = Double(record["Estimate CI"].replacingOccurrences(of: "%", with: "")) ?? ci
            let experimental = record["Experimental group label"], control = record["Control group label"]
            var outcome = RevManOutcome(
                id: id, comparison: record["Analysis group name"], name: record["Analysis name"], dataType: kind,
                revmanMeasure: measure, revmanMethod: record["Statistical method"].uppercased() == "PETO" ? "PETO" : record["Statistical method"].uppercased(),
                random: record["Analysis model"].lowercased().hasPrefix("random"), ciStudy: ci, ciTotal: ciTotal,
                groupLabels: (experimental.isEmpty ? "Experimental" : experimental, control.isEmpty ? "Control" : control),
                graphLabels: (record["Graph label (left)"].isEmpty ? "Favours experimental" : record["Graph label (left)"],
                              record["Graph label (right)"].isEmpty ? "Favours control" : record["Graph label (right)"]),
                calculated: calculated, statistics: stats,
                subgroupTest: test, subgroups: [], rows: [], file: settings.display, line: record.line)
            // Settings RevMan Web exports beside the estimates.
            let estimator = record["Heterogeneity estimator"].trimmingCharacters(in: .whitespaces)
            if !estimator.isEmpty { outcome.tauEstimator = estimator.uppercased() }
            let ciMethod = record["CI method"].trimmingCharacters(in: .whitespaces)
            if !ciMethod.isEmpty { outcome.ciMethod = ciMethod }
            if !record["Prediction interval"].isEmpty { outcome.predictionInterval = record["Prediction interval"].lowercased() == "true" }
            if kind == .generic, !record["Log-scale data"].isEmpty { outcome.logData = record["Log-scale data"].lowercased() == "true" }
            if kind == .generic, !record["Effect measure"].isEmpty { outcome.measureName = record["Effect measure"] }
            if record["Overall estimates"].lowercased() == "false" {
                outcome.totals = record["Subgroup estimates"].lowercased() == "false" ? "NO" : "SUB"
            }
            let swap = record["Swap event and non-event"].lowercased() == "true"
            for row in rows.records where "\(row["Analysis group"]).\(row["Analysis number"])" == id {
                var values: [String: Double] = [:]
                let keys: [(String, String)]
                switch kind {
                case .dichotomous: keys = [("Experimental cases", "events1"), ("Experimental N", "total1"), ("Control cases", "events2"), ("Control N", "total2")]
                case .continuous: keys = [("Experimental mean", "mean1"), ("Experimental SD", "sd1"), ("Experimental N", "n1"),
                                          ("Control mean", "mean2"), ("Control SD", "sd2"), ("Control N", "n2")]
                case .generic: keys = [("GIV Mean", "yi"), ("GIV SE", "se")]
                }
                for (column, role) in keys {
                    guard let v = Double(row[column]) else {
                        throw RevManNote(file: rows.display, line: row.line, message: "column '\(column)': '\(row[column])' is not a number (study \(row["Study"]))")
                    }
                    values[role] = v
                }
                if swap, kind == .dichotomous {
                    values["events1"] = values["total1"]! - values["events1"]!
                    values["events2"] = values["total2"]! - values["events2"]!
                }
                let studyStats = calculated ? try numbers(row, rows, [("Weight", "weight"), ("Mean", "estimate"),
                                                                      ("CI start", "ci_lower"), ("CI end", "ci_upper")]) : [:]
                let subgroup = row["Subgroup"].trimmingCharacters(in: .whitespaces)
                outcome.rows.append(RevManRow(study: row["Study"], year: row["Study year"], studyID: row["Study"],
                                              subgroup: subgroup.isEmpty ? nil : subgroup, values: values, statistics: studyStats,
                                              footnote: row["Footnotes"].isEmpty ? nil : row["Footnotes"], line: row.line))
            }
            if let subgroupTable {
                for s in subgroupTable.records where "\(s["Analysis group"]).\(s["Analysis number"])" == id {
                    let stats = try numbers(s, subgroupTable, [("Mean", "estimate"), ("CI start", "ci_lower"), ("CI end", "ci_upper"),
                                                               ("Effect Z", "z"), ("Effect P", "p_z"), ("Heterogeneity Chi²", "chi2"),
                                                               ("Heterogeneity df", "df"), ("Heterogeneity P", "p_chi2"),
                                                               ("Heterogeneity I²", "i2"), ("Heterogeneity Tau²", "tau2")])
                    outcome.subgroups.append(RevManSubgroup(name: s["Subgroup"], statistics: calculated ? stats : [:]))
                }
            }
            if outcome.rows.isEmpty {
                skipped.append(RevManNote(file: settings.display, line: record.line,
                                          message: "skipped analysis \(id) '\(outcome.name)': the data rows file has no rows for it"))
                continue
            }
            outcomes.append(outcome)
        }
        if outcomes.isEmpty {
            throw RevManNote(file: folder, line: nil, message: "the data package has no analysis that metapipe can import")
        }
        return RevManReview(title: title, format: .revmanWeb, outcomes: outcomes, skipped: skipped)
    }

    /// RevMan's effect measure names → RevMan 5 codes.
    static func measure(_ name: String, method: String) -> String? {
        let n = name.lowercased()
        if n.contains("peto") || (n.contains("odds") && method.lowercased() == "peto") { return "PETO_OR" }
        if n.contains("odds ratio") { return "OR" }
        if n.contains("risk ratio") || n.contains("relative risk") { return "RR" }
        if n.contains("risk difference") { return "RD" }
        if n.contains("std") || n.contains("standardi") { return "SMD" }
        if n.contains("mean difference") { return "MD" }
        return nil
    }

    static func find(_ folder: String) throws(RevManNote) -> Files {
        let base = URL(fileURLWithPath: folder)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else {
            throw RevManNote(file: folder, line: nil, message: "not a folder; a RevMan Web data package is the folder RevMan Web exports")
        }
        var dataRows: URL?, settings: URL?, subgroups: URL?
        for case let url as URL in walker.sorted(by: { ($0 as! URL).path < ($1 as! URL).path }) {
            let name = url.lastPathComponent
            if name.hasSuffix("-data-rows.csv") { dataRows = url }
            else if name.hasSuffix("-overall-estimates-and-settings.csv") { settings = url }
            else if name.hasSuffix("-subgroup-estimates.csv") { subgroups = url }
        }
        guard let dataRows else {
            throw RevManNote(file: folder, line: nil, message: "no *-data-rows.csv in the package")
        }
        guard let settings else {
            throw RevManNote(file: folder, line: nil, message: "no *-overall-estimates-and-settings.csv in the package")
        }
        return Files(dataRows: dataRows, settings: settings, subgroups: subgroups)
    }

    static func display(_ url: URL, _ folder: String) -> String {
        let base = URL(fileURLWithPath: folder).standardizedFileURL.path
        let path = url.standardizedFileURL.path
        return path.hasPrefix(base + "/") ? folder + "/" + path.dropFirst(base.count + 1) : path
    }

    /// A package CSV: header and records with their line numbers.
    struct PackageCSV {
        struct Record {
            var line: Int
            var cells: [String: String]
            subscript(_ column: String) -> String { cells[column]?.trimmingCharacters(in: .whitespaces) ?? "" }
        }
        var display: String
        var records: [Record]
    }

    static func table(_ data: Data, display: String) throws(RevManNote) -> PackageCSV {
        let file: MetaTables.CSVFile
        do {
            file = try CSVReader.read(data)
        } catch {
            switch error {
            case .notUTF8: throw RevManNote(file: display, line: 1, message: "the file is not UTF-8 text")
            case .blank, .noRecords: throw RevManNote(file: display, line: 1, message: "the file is empty")
            case let .quoting(line, _, _, message): throw RevManNote(file: display, line: line, message: message)
            case let .unparsable(reason): throw RevManNote(file: display, line: nil, message: "cannot parse the CSV: \(reason)")
            }
        }
        let header = file.header.cells.map { $0.trimmingCharacters(in: .whitespaces) }
        var out: [PackageCSV.Record] = []
        for record in file.rows {
            guard record.cells.count == header.count else {
                throw RevManNote(file: display, line: record.line,
                                 message: "row has \(record.cells.count) cells but the header has \(header.count) (a footnote with an unquoted comma?)")
            }
            out.append(PackageCSV.Record(line: record.line, cells: Dictionary(zip(header, record.cells), uniquingKeysWith: { a, _ in a })))
        }
        return PackageCSV(display: display, records: out)
    }

    /// Numbers from named columns; an empty cell is absent, any other non-number is an error.
    static func numbers(_ record: PackageCSV.Record, _ file: PackageCSV, _ keys: [(String, String)]) throws(RevManNote) -> [String: Double] {
        var out: [String: Double] = [:]
        for (column, name) in keys {
            let raw = record[column]
            if raw.isEmpty { continue }
            guard let v = Double(raw), v.isFinite else {
                throw RevManNote(file: file.display, line: record.line, message: "column '\(column)': '\(raw)' is not a number")
            }
            out[name] = v
        }
        return out
    }
}
