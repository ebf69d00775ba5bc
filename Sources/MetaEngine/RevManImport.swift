import Foundation
import MetaPipeline
import MetaReport
import MetaRevMan

/// `metapipe import`: a RevMan 5 file or RevMan Web data package becomes an editable pipeline — a
/// YAML file with one analysis per RevMan analysis (its measure, method, model, CI level, group and
/// graph labels as RevMan set them, and a `verify` check against every statistic RevMan stored) and
/// three CSV tables (studies, outcomes, results).
public enum RevManImport {
    public struct Outcome: Sendable {
        public var pipeline: String
        public var files: [String]
        public var analyses: Int
        public var notes: [RevManNote]
    }

    public enum Failure: Error, CustomStringConvertible {
        case read(RevManNote)
        case exists(String)
        case write(String)
        public var description: String {
            switch self {
            case .read(let note): return note.description
            case .exists(let path): return "\(path) already exists; use --force to replace it"
            case .write(let message): return message
            }
        }
    }

    /// Reads `source` and writes `<directory>/<name>.yaml` and `<directory>/<name>/*.csv`.
    public static func run(source: String, name: String?, directory: String, force: Bool) throws(Failure) -> Outcome {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isFolder) else {
            throw .read(RevManNote(file: source, line: nil, message: "no such file or folder"))
        }
        let review: RevManReview
        do {
            if isFolder.boolValue {
                review = try RevManWebReader.read(folder: source)
            } else {
                guard let data = FileManager.default.contents(atPath: source) else {
                    throw RevManNote(file: source, line: nil, message: "cannot read the file")
                }
                review = try RevMan5Reader.read(data, path: source)
            }
        } catch let note as RevManNote {
            throw .read(note)
        } catch {
            throw .read(RevManNote(file: source, line: nil, message: "\(error)"))
        }
        let base = (source as NSString).lastPathComponent
        let pipelineName = name ?? slug((base as NSString).deletingPathExtension)
        let folder = (directory as NSString).appendingPathComponent(pipelineName)
        let yamlPath = (directory as NSString).appendingPathComponent("\(pipelineName).yaml")
        let tables = RevManTables(review, source: base)
        // A file with no stored result at all (never calculated, or exported without results) gets no
        // results table and no `verify` checks: there is nothing to compare with.
        let stored = !tables.results.isEmpty
        var csvFiles: [(String, [String], [RevManTables.Row])] = [
            ("studies.csv", RevManTables.dataHeader, tables.data),
            ("outcomes.csv", RevManTables.outcomesHeader, tables.outcomes),
        ]
        if stored { csvFiles.append(("results.csv", RevManTables.resultsHeader, tables.results)) }
        let paths = [yamlPath] + csvFiles.map { (folder as NSString).appendingPathComponent($0.0) }
        if !force, let existing = paths.first(where: { FileManager.default.fileExists(atPath: $0) }) { throw .exists(existing) }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (file, header, rows) in csvFiles {
                var csv = CSVWriter(header: header, formulas: .keep)   // tables metapipe reads back: cells as RevMan has them
                for row in rows { csv.row(row.cells) }
                try csv.data.write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(file)), options: .atomic)
            }
            try Data(yaml(review, name: pipelineName, source: base, verify: stored).utf8).write(to: URL(fileURLWithPath: yamlPath), options: .atomic)
        } catch {
            throw .write("cannot write the pipeline: \(error.localizedDescription)")
        }
        return Outcome(pipeline: yamlPath, files: paths, analyses: review.outcomes.count, notes: review.skipped)
    }

    static func slug(_ text: String) -> String {
        let s = text.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? String($0) : "-" }.joined()
        let trimmed = s.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return trimmed.isEmpty ? "revman" : trimmed
    }

    /// A YAML double-quoted scalar.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }

    static let measureNames = ["OR": "odds ratio", "PETO_OR": "Peto odds ratio", "RR": "risk ratio", "RD": "risk difference",
                               "MD": "mean difference", "SMD": "standardised mean difference"]

    /// The pipeline file.
    static func yaml(_ review: RevManReview, name: String, source: String, verify: Bool = true) -> String {
        let format = review.format == .revman5 ? "RevMan 5 file" : "RevMan Web data package"
        let checks = verify
            ? "# the tables are in \(name)/, and each analysis' `verify` compares metapipe's numbers with every\n# statistic RevMan stored."
            : "# the tables are in \(name)/. RevMan stored no results in this file, so there is nothing to verify."
        var y = """
        # Imported from \(source) (\(format)) by `metapipe import`. Edit and extend it like any pipeline:
        \(checks)
        pipeline: \(name)
        title: \(quoted(review.title.isEmpty ? name : review.title))
        description: \(quoted("Re-analysis of the RevMan review \(review.title.isEmpty ? source : review.title), imported from \(source)."))
        data:
          studies: \(name)/studies.csv
          outcomes: \(name)/outcomes.csv
        \(verify ? "  results: \(name)/results.csv\n" : "")defaults:
          profile: \(review.format == .revman5 ? "revman5" : "revman-web")
        analyses:

        """
        for o in review.outcomes {
            guard let measure = o.measure else { continue }
            var method: String
            switch o.revmanMethod {
            case "MH": method = "MH"
            case "PETO": method = "Peto"
            default: method = o.random ? "DL" : "IV"
            }
            if o.random, let estimator = o.tauEstimator, ["DL", "REML", "ML", "PM", "HE", "SJ", "EB", "HS"].contains(estimator) {
                method = estimator
            }
            var extra = ""
            switch o.ciMethod?.uppercased() {
            case "HKSJ"?: extra += "    test: knha\n"
            case "WALD"?: extra += "    test: z\n"
            default: break
            }
            if let pi = o.predictionInterval, o.random { extra += "    prediction-interval: \(pi)\n" }
            let model = o.random ? "random" : "fixed"
            let measureText = o.dataType == .generic ? (o.measureName.map { $0.lowercased() } ?? "generic inverse variance") : (measureNames[o.revmanMeasure] ?? o.revmanMeasure)
            let settings = "\(measureText), \(o.revmanMethod == "PETO" ? "Peto" : o.revmanMethod == "MH" ? "M-H" : "IV"), \(o.random ? "random effects" : "fixed effect"), \(Int(o.ciTotal))% CI"
            var description = "Comparison \(o.id.split(separator: ".").first ?? ""): \(o.comparison). RevMan: \(settings)."
            if !o.calculated { description += " RevMan never calculated this analysis." }
            y += """
              analysis-\(o.id):
                title: \(quoted("\(o.id) \(o.name)"))
                description: \(quoted(description))
                data: studies
                where: {outcome: \(quoted(o.id))}
                measure: \(measure.rawValue)
                model: \(model)
                method: \(method)
                level: \(Int(o.ciTotal))
            \(extra)\(o.dataType == .generic && o.logData ? "    scale: log\n" : "")\(o.totals == "SUB" && o.rows.contains { $0.subgroup != nil } ? "    totals: subgroups\n" : o.totals == "NO" ? "    totals: none\n" : "")    direction: lower
                labels: {experimental: \(quoted(o.groupLabels.experimental)), control: \(quoted(o.groupLabels.control)), favours-experimental: \(quoted(o.graphLabels.left)), favours-control: \(quoted(o.graphLabels.right))}

            """
            if o.rows.contains(where: { $0.subgroup != nil }) { y += "    subgroups: [subgroup]\n" }
            if verify { y += "    verify: {outcome: \(quoted(o.id)), results: results, settings: outcomes}\n" }
            if o.dataType == .generic, let name = o.measureName {
                // A generic analysis' own measure ("Hazard Ratio", "Ratio of means") names its forest plot's columns.
                y += "    plots: [{kind: forest, measure-label: \(quoted(name))}]\n"
            } else {
                y += "    plots: [forest]\n"
            }
        }
        return y
    }
}
