import Foundation
import MetaStats
import Yams

/// Reads and validates a pipeline file and everything it names. All problems of the pipeline and its
/// data are collected before anything runs.
public enum PipelineLoader {
    static let topKeys = ["pipeline", "title", "description", "data", "defaults", "labels", "analyses",
                          "syntheses", "comparisons", "not-pooled", "risk-of-bias", "prisma", "summary-of-findings"]

    /// Loads `path` (relative to the working folder). Returns the pipeline or every problem found.
    public static func load(_ path: String) -> Result<Pipeline, DiagnosticList> {
        let url = URL(fileURLWithPath: path)
        guard let data = try? Data(contentsOf: url) else {
            return .failure(DiagnosticList([Diagnostic(at: nil, "cannot read pipeline file \(path)")]))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(DiagnosticList([Diagnostic(at: SourceLocation(file: path, line: 1, column: 1),
                                                       "the pipeline file is not UTF-8 text")]))
        }
        var loader = Loader(file: path, text: text)
        let pipeline = loader.load()
        // The same data cell can be reached by several analyses; report it once.
        var seen: Set<Diagnostic> = []
        let unique = (loader.reader.diagnostics + loader.extra).filter { seen.insert($0).inserted }
        let diagnostics = inCauseOrder(unique, pipelineFile: path)
        if let pipeline, !diagnostics.contains(where: { $0.severity == .error }) {
            var p = pipeline
            p.warnings = diagnostics
            p.inputFiles = loader.read
            p.inputFiles[path] = data
            p.inputListings = loader.listings
            return .success(p)
        }
        return .failure(DiagnosticList(diagnostics))
    }
}

extension PipelineLoader {
    /// How many diagnostics of one kind in one column of one file are shown before the rest are folded.
    static let shownPerKind = 3

    /// The pipeline file's own problems first (a wrong YAML setting is often the cause of data
    /// errors), then each data file's in line order; repeated problems of one kind in one column of
    /// a file are folded after the first few into one "… and N more rows" line.
    static func inCauseOrder(_ diagnostics: [Diagnostic], pipelineFile: String) -> [Diagnostic] {
        func isPipeline(_ d: Diagnostic) -> Bool { d.location == nil || d.location?.file == pipelineFile }
        let own = diagnostics.filter(isPipeline).sorted()
        let data = diagnostics.filter { !isPipeline($0) }.sorted()
        return own + fold(data)
    }

    /// The kind of a message: its quoted names and numbers masked ("study 'A' has sd1 = 0" and
    /// "study 'B' has sd1 = -1" are one kind).
    static func kind(of message: String) -> String {
        message.replacingOccurrences(of: "'[^']*'", with: "'…'", options: .regularExpression)
            .replacingOccurrences(of: "-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?", with: "#", options: .regularExpression)
    }

    static func fold(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        struct Key: Hashable { var file: String; var column: String; var severity: Diagnostic.Severity; var kind: String }
        func key(_ d: Diagnostic) -> Key? {
            guard let column = d.csvColumn, let file = d.location?.file else { return nil }
            return Key(file: file, column: column, severity: d.severity, kind: kind(of: d.message))
        }
        var groups: [Key: [Diagnostic]] = [:]
        for d in diagnostics { if let k = key(d) { groups[k, default: []].append(d) } }
        var out: [Diagnostic] = []
        var summarised: Set<Key> = []
        for d in diagnostics {
            guard let k = key(d), let group = groups[k], group.count > shownPerKind + 1 else { out.append(d); continue }
            guard let index = group.firstIndex(of: d) else { continue }
            if index < shownPerKind { out.append(d); continue }
            if summarised.insert(k).inserted {
                let rest = group[shownPerKind...]
                let lines = rest.compactMap { $0.location?.line }
                let listed = lines.prefix(12).map(String.init).joined(separator: ", ") + (lines.count > 12 ? ", …" : "")
                out.append(Diagnostic(d.severity, at: d.location,
                                      "… and \(rest.count) more rows in column '\(k.column)' with the same problem (lines \(listed))"))
            }
        }
        return out
    }
}

/// The state of one load.
struct Loader {
    var reader: YAMLReader
    let text: String
    let file: String
    let directory: String
    /// Diagnostics from data files (CSV), kept apart from the YAML ones.
    var extra: [Diagnostic] = []
    /// Whether the analysis last checked has a study with an estimable effect.
    var lastEstimable = true
    var tables: [String: LoadedTable] = [:]
    var sources: [DataSource] = []
    /// The bytes of every data file read, by path.
    var read: [String: Data] = [:]
    /// The files found in each RevMan Web package folder read, by folder.
    var listings: [String: [String]] = [:]
    /// Tables with problems of their own: analyses reading them skip checks those problems would distort.
    var damagedTables: Set<String> = []
    /// `defaults` has a value that could not be read (such as an unknown measure): rows are not
    /// checked against the settings that would replace it, which would only repeat its error per row.
    var defaultsInvalid = false
    /// `risk-of-bias:` assessments, read before the analyses (scenarios may filter by them).
    var riskOfBias: [RiskOfBiasAssessment] = []
    var riskOfBiasNodes: [String: Node] = [:]
    /// Every study name of the risk-of-bias tables, rows with bad judgements included.
    var riskOfBiasStudies: Set<String> = []
    /// Rows of the data tables by column value, shared by the `where` of every analysis.
    let selectionIndex = Selection.Index()

    init(file: String, text: String) {
        self.file = file
        self.text = text
        self.reader = YAMLReader(file: file, text: text)
        let dir = (file as NSString).deletingLastPathComponent
        self.directory = dir
    }

    /// Analysis names, for checking that syntheses use other folders.
    var analysisNames: Set<String> = []

    /// Why `name` cannot be a folder of the report, or nil: letters, digits, '-', '_' and '.', starting
    /// with a letter or digit, at most 100 characters, and none of the report's own file names.
    static func folderNameProblem(_ name: String) -> String? {
        if name.range(of: "^[A-Za-z0-9][A-Za-z0-9_.-]*$", options: .regularExpression) == nil {
            return "it may use only letters, digits, '-', '_' and '.', starting with a letter or digit"
        }
        if name.count > 100 { return "it may have at most 100 characters (it has \(name.count))" }
        if ["index.html", "readme.md", "results.json"].contains(name.lowercased()) {
            return "it must differ from the report's own files (index.html, README.md, results.json)"
        }
        return nil
    }

    /// Whether `name` can be a folder of the report; if not, an error at `node` naming it as a `kind`.
    @discardableResult
    mutating func checkFolderName(_ name: String, _ kind: String, at node: Node) -> Bool {
        guard let problem = Loader.folderNameProblem(name) else { return true }
        reader.error(node, "\(kind) name '\(escapedForMessage(name))' names an output folder, so \(problem)")
        return false
    }

    mutating func load() -> Pipeline? {
        guard let root = reader.compose(text) else { return nil }
        guard let top = reader.mapping(root, "the pipeline file") else { return nil }
        reader.checkKeys(top, allowed: PipelineLoader.topKeys, in: "the pipeline file")
        reader.require(["pipeline", "data", "analyses"], in: top, at: root, what: "a pipeline file")
        func value(_ key: String) -> Node? { top.first { $0.key == key }?.value }

        var name = "pipeline"
        if let node = value("pipeline"), let n = reader.name(node, "'pipeline'") {
            if let problem = Loader.folderNameProblem(n) {
                reader.error(node, "pipeline name '\(escapedForMessage(n))' names the output folder, so \(problem)")
            }
            name = n
        }
        let title = value("title").flatMap { reader.string($0, "'title'") } ?? name
        let description = value("description").flatMap { reader.string($0, "'description'") }
        if let node = value("data") { readData(node) }
        let beforeDefaults = errorCount
        let defaults = value("defaults").map { readSettingsMapping($0, "'defaults'") } ?? SettingsSpec()
        defaultsInvalid = errorCount != beforeDefaults
        let labels = value("labels").map { readLabels($0, "'labels'") } ?? LabelsSpec()
        if let node = value("risk-of-bias") { riskOfBias = readRiskOfBias(node) }
        var analyses: [Analysis] = []
        if let node = value("analyses"), let pairs = reader.mapping(node, "'analyses'") {
            if pairs.isEmpty { reader.error(node, "'analyses' is empty; define at least one analysis") }
            for pair in pairs {
                if let a = readAnalysis(pair.key, keyNode: pair.keyNode, node: pair.value, defaults: defaults, labels: labels) {
                    analyses.append(a)
                }
            }
        }
        var syntheses: [Synthesis] = []
        analysisNames = Set(analyses.map(\.name))
        if let node = value("syntheses") { syntheses = readSyntheses(node) }
        var comparisons: [Comparison] = []
        if let node = value("comparisons") { comparisons = readComparisons(node, analyses: analyses) }
        var unavailable: [UnavailablePool] = []
        if let node = value("not-pooled") { unavailable = readUnavailable(node) }
        checkRiskOfBias(riskOfBias, analyses: analyses)
        checkReportFolders(analyses: value("analyses"), syntheses: value("syntheses"), assessments: value("risk-of-bias"),
                           prisma: value("prisma") != nil, summaryOfFindings: value("summary-of-findings") != nil)
        var pipeline = Pipeline(name: name, title: title, description: description, file: file, sources: sources, tables: tables,
                                labels: Labels(labels), analyses: analyses, syntheses: syntheses, comparisons: comparisons,
                                unavailable: unavailable, warnings: [])
        pipeline.riskOfBias = riskOfBias
        if let node = value("prisma") { pipeline.prisma = readPrisma(node) }
        if let node = value("summary-of-findings") {
            pipeline.summaryOfFindings = readSummaryOfFindings(node, analyses: analyses, riskOfBias: riskOfBias)
        }
        return pipeline
    }

    /// Names of analyses, syntheses and risk-of-bias assessments are folders of the report, beside
    /// the flow diagram's folder `prisma/` and the table `summary-of-findings.csv`: a name that is one
    /// of those (when the pipeline has that section) would mix or overwrite their files.
    mutating func checkReportFolders(analyses: Node?, syntheses: Node?, assessments: Node?, prisma: Bool, summaryOfFindings: Bool) {
        var reserved: [String: String] = [:]
        if prisma { reserved["prisma"] = "the PRISMA flow diagram's folder (prisma/)" }
        if summaryOfFindings { reserved["summary-of-findings.csv"] = "the summary-of-findings table (summary-of-findings.csv)" }
        guard !reserved.isEmpty else { return }
        for (section, node, kind) in [("analyses", analyses, "analysis"), ("syntheses", syntheses, "synthesis"),
                                      ("risk-of-bias", assessments, "risk-of-bias assessment")] {
            guard let node, case .mapping(let mapping) = node else { continue }
            for (key, _) in mapping {
                guard case .scalar(let scalar) = key, let what = reserved[scalar.string.lowercased()] else { continue }
                // The assessment named 'prisma' has its own message (read with the assessments).
                if kind == "risk-of-bias assessment" && scalar.string == "prisma" { continue }
                reader.error(key, "\(kind) name '\(escapedForMessage(scalar.string))' is also \(what), which the pipeline's '\(what.hasPrefix("the PRISMA") ? "prisma" : "summary-of-findings")' section writes; rename the \(kind) (e.g. '\(scalar.string.replacingOccurrences(of: ".csv", with: ""))-\(section == "analyses" ? "analysis" : section == "syntheses" ? "synthesis" : "rob")'), and its folder with it")
            }
        }
    }

    // MARK: Data

    func resolvePath(_ relative: String) -> String {
        if relative.hasPrefix("/") { return relative }
        return directory.isEmpty ? relative : (directory as NSString).appendingPathComponent(relative)
    }

    mutating func readData(_ node: Node) {
        guard let pairs = reader.mapping(node, "'data'") else { return }
        if pairs.isEmpty { reader.error(node, "'data' is empty; name at least one table (name: path/to/file.csv)") }
        for pair in pairs {
            var givenKind: DataKind?
            var pathNode = pair.value
            var sheet: String?
            var sheetNode: Node?
            if case .mapping = pair.value {
                guard let fields = reader.mapping(pair.value, "data source '\(pair.key)'") else { continue }
                reader.checkKeys(fields, allowed: ["path", "kind", "sheet"], in: "data source '\(pair.key)'")
                reader.require(["path"], in: fields, at: pair.value, what: "data source '\(pair.key)'")
                if let k = fields.first(where: { $0.key == "kind" }) {
                    givenKind = reader.choice(k.value, DataKind.self, "data kind") ?? .csv
                }
                if let s = fields.first(where: { $0.key == "sheet" }) {
                    sheet = reader.name(s.value, "the sheet of data source '\(pair.key)'")
                    sheetNode = s.value
                }
                guard let p = fields.first(where: { $0.key == "path" }) else { continue }
                pathNode = p.value
            }
            guard let relative = reader.name(pathNode, "the path of data source '\(pair.key)'") else { continue }
            let lowered = relative.lowercased()
            if givenKind == nil, let ext = [".xls", ".xlsm", ".xlsb", ".ods", ".numbers"].first(where: { lowered.hasSuffix($0) }) {
                reader.error(pathNode, "metapipe reads Excel workbooks as .xlsx and tables as CSV, not \(ext) files; save '\(relative)' as .xlsx or CSV")
                continue
            }
            // An .xlsx file is a workbook unless 'kind' says otherwise.
            let kind: DataKind = givenKind ?? (relative.lowercased().hasSuffix(".xlsx") ? .xlsx : .csv)
            if let sheetNode, kind != .xlsx {
                reader.error(sheetNode, "'sheet' is for Excel workbooks (.xlsx); data source '\(pair.key)' is \(kind.rawValue)")
            }
            let path = resolvePath(relative)
            sources.append(DataSource(name: pair.key, path: path, kind: kind, sheet: sheet))
            if sources.filter({ $0.name == pair.key }).count > 1 {
                reader.error(pair.keyNode, "table name '\(pair.key)' is already used (a RevMan source named 'x' also defines 'x-outcomes' and 'x-results')")
            }
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            if !exists || (isDirectory.boolValue != (kind == .revmanWeb)) {
                let what = kind == .revmanWeb ? "data package folder" : "data file"
                reader.error(pathNode, exists
                    ? (kind == .revmanWeb ? "'\(path)' is a file; a RevMan Web data package is a folder" : "'\(path)' is a folder, not a \(what)")
                    : "\(what) '\(path)' does not exist (paths are relative to \(directory.isEmpty ? "the pipeline's folder" : directory + "/"))")
                continue
            }
            let source = DataSource(name: pair.key, path: path, kind: kind, sheet: sheet)
            let files = DataSources.files(source)
            let contents = DataSources.contents(files)
            read.merge(contents) { _, new in new }
            if kind == .revmanWeb { listings[path] = files }
            let (loaded, problems) = DataSources.tables(source, contents: contents)
            extra += problems
            if problems.contains(where: { $0.severity == .error }) { damagedTables.insert(pair.key) }
            for t in loaded { tables[t.table.name] = t }
            if kind == .revman5 || kind == .revmanWeb {
                for suffix in ["-outcomes", "-results"] {
                    sources.append(DataSource(name: pair.key + suffix, path: path, kind: kind, origin: pair.key))
                }
            }
        }
    }

    // MARK: Settings and labels

    mutating func readSettingsMapping(_ node: Node, _ what: String) -> SettingsSpec {
        guard let pairs = reader.mapping(node, what) else { return SettingsSpec() }
        reader.checkKeys(pairs, allowed: SettingsSpec.keys, in: what)
        return readSettings(pairs)
    }

    mutating func readSettings(_ pairs: [(key: String, keyNode: Node, value: Node)]) -> SettingsSpec {
        var s = SettingsSpec()
        for pair in pairs {
            let v = pair.value
            switch pair.key {
            case "profile": s.profile = reader.choice(v, Profile.self, "profile")
            case "measure": s.measure = readMeasure(v)
            case "smd": s.smd = reader.choice(v, SMDConvention.self, "SMD convention")
            case "model": s.model = reader.choice(v, PoolingModel.self, "model")
            case "method": s.method = reader.choice(v, PoolingMethod.self, "method")
            case "test": s.test = reader.choice(v, TestMethod.self, "test")
            case "level":
                if let level = reader.number(v, "'level'") {
                    if level <= 50 || level >= 100 { reader.error(v, "level \(level.formatted) is a confidence level in percent; use a value between 50 and 100, such as 95") }
                    else { s.level = level }
                }
            case "i2": s.i2 = reader.choice(v, I2Definition.self, "I² definition")
            case "prediction-interval": s.predictionInterval = reader.bool(v, "'prediction-interval'")
            case "tau2-ci": s.tau2ConfidenceInterval = reader.bool(v, "'tau2-ci'")
            case "convergence": s.convergence = reader.choice(v, Convergence.self, "convergence rule")
            case "direction": s.direction = reader.choice(v, Direction.self, "direction")
            case "missing": s.missing = reader.choice(v, MissingPolicy.self, "missing-data rule")
            case "prepost-r":
                if let r = reader.number(v, "'prepost-r'") {
                    if !(r > -1 && r < 1) { reader.error(v, "prepost-r \(r.formatted) is a pre–post correlation; use a value between −1 and 1 (exclusive), such as 0.5") }
                    else { s.prePostR = r }
                }
            default: break
            }
        }
        return s
    }

    /// Measures people name that metapipe does not compute from data, with what to do instead.
    static let otherMeasures: [(names: [String], what: String, instead: String)] = [
        (["HR", "LOGHR", "HAZARD RATIO"], "hazard ratio",
         "give each study's log hazard ratio as yi with se (or vi) and use measure: GEN"),
        (["IR", "IRLN", "IRS", "IRFT"], "single-group incidence rate",
         "give each study's (log) rate as yi with se and use measure: GEN, or compare two groups with IRR or IRD"),
        (["UCOR", "PCOR", "ZPCOR"], "adjusted or partial correlation",
         "give each study's value as yi with vi and use measure: GEN, or use COR or ZCOR"),
        (["PLN", "PAS"], "single-group proportion on this scale",
         "use PR, PLO or PFT, or give the transformed proportion as yi with vi and use measure: GEN"),
        (["MN", "MNLN", "MEAN"], "single-group mean",
         "give each study's mean as yi with se and use measure: GEN"),
        (["SMCRH", "ROMC"], "pre–post measure",
         "use SMCR, SMCC or MC, or give each study's value as yi with se or vi and use measure: GEN"),
    ]
    /// Other spellings of the measures metapipe has.
    static let measureAliases: [String: EffectMeasure] = [
        "WMD": .md, "G": .smd, "D": .smd, "HEDGES": .smd, "HEDGES G": .smd, "COHEN D": .smd, "SMDH": .smd,
        "LOR": .or, "LOGOR": .or, "LOG OR": .or, "LRR": .rr, "LOGRR": .rr, "LOG RR": .rr, "RISK RATIO": .rr,
        "RELATIVE RISK": .rr, "ODDS RATIO": .or, "RISK DIFFERENCE": .rd, "GENERIC": .generic, "GIV": .generic,
        "RATE RATIO": .irr, "RATIO OF MEANS": .rom, "R": .cor, "Z": .zcor, "PROPORTION": .pr,
    ]

    /// `measure:` with a way out for measures metapipe does not compute and no misleading
    /// "did you mean" for a name that resembles none of its own.
    mutating func readMeasure(_ node: Node) -> EffectMeasure? {
        guard let text = reader.string(node, "measure") else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let key = trimmed.uppercased().replacingOccurrences(of: "'", with: "").replacingOccurrences(of: "’", with: "")
        if let m = EffectMeasure.allCases.first(where: { $0.rawValue.uppercased() == key }) { return m }
        let options = quotedList(EffectMeasure.allCases.map(\.rawValue))
        let pointer = "(see \"What metapipe does and does not support\" in the README)"
        if let alias = Self.measureAliases[key] {
            reader.error(node, "unknown measure '\(trimmed)'; metapipe calls it '\(alias.rawValue)' (\(alias.displayName.lowercased())): write measure: \(alias.rawValue)")
            return nil
        }
        if let method = PoolingMethod.allCases.first(where: { $0.rawValue.uppercased() == key }) {
            reader.error(node, "'\(trimmed)' is a pooling method, not a measure: write measure: \(method == .peto ? "OR" : "OR, RR or RD") and method: \(method.rawValue)")
            return nil
        }
        if let other = Self.otherMeasures.first(where: { $0.names.contains(key) }) {
            reader.error(node, "measure '\(trimmed)' (\(other.what)) is not one metapipe computes from data; \(other.instead). Measures: \(options) \(pointer)")
            return nil
        }
        // Only a close misspelling earns a suggestion: one edit, and not a one-letter change of a
        // two-letter name ('HR' is not 'RR').
        let close = EffectMeasure.allCases.map(\.rawValue).first { candidate in
            let distance = editDistance(key.lowercased(), candidate.lowercased())
            return distance == 1 && max(key.count, candidate.count) >= 3
        }
        if let close {
            reader.error(node, "unknown measure '\(trimmed)'; did you mean '\(close)'? (expected \(options))")
        } else {
            reader.error(node, "unknown measure '\(trimmed)'; metapipe computes \(options) \(pointer)")
        }
        return nil
    }

    mutating func readLabels(_ node: Node, _ what: String) -> LabelsSpec {
        guard let pairs = reader.mapping(node, what) else { return LabelsSpec() }
        reader.checkKeys(pairs, allowed: LabelsSpec.keys, in: what)
        var l = LabelsSpec()
        for pair in pairs {
            let text = reader.name(pair.value, "label '\(pair.key)'")
            switch pair.key {
            case "experimental": l.experimental = text
            case "control": l.control = text
            case "favours-experimental": l.favoursExperimental = text
            case "favours-control": l.favoursControl = text
            default: break
            }
        }
        return l
    }

    // MARK: Conditions

    /// `{column: value}` or `{column: [v1, v2]}`.
    mutating func readConditions(_ node: Node, _ what: String, columns: Set<String>, tablesDescription: String) -> [Condition] {
        guard let pairs = reader.mapping(node, what) else { return [] }
        var conditions: [Condition] = []
        for pair in pairs {
            checkColumn(pair.key, node: pair.keyNode, columns: columns, tablesDescription: tablesDescription)
            var values: [String] = []
            switch pair.value {
            case .sequence(let items):
                for item in items { if let v = reader.string(item, "a value of '\(pair.key)'") { values.append(v) } }
            default:
                if let v = reader.string(pair.value, "the value of '\(pair.key)'") { values.append(v) }
            }
            conditions.append(Condition(column: pair.key, values: values))
        }
        return conditions
    }

    /// A list of condition mappings (one mapping alone counts as a list of one).
    mutating func readMatches(_ node: Node, _ what: String, columns: Set<String>, tablesDescription: String) -> [Match] {
        let items: [Node]
        if case .mapping = node { items = [node] } else { items = reader.list(node, what) ?? [] }
        return items.map { readConditions($0, "each entry of \(what)", columns: columns, tablesDescription: tablesDescription) }
    }

    mutating func checkColumn(_ column: String, node: Node, columns: Set<String>, tablesDescription: String) {
        guard !columns.isEmpty, !columns.contains(column) else { return }
        var message = "column '\(column)' is not in \(tablesDescription)"
        if let s = suggestion(for: column, among: columns.sorted()) { message += "; did you mean '\(s)'?" }
        reader.error(node, message)
    }

    func describe(_ match: Match) -> String {
        match.map { "\($0.column) = \($0.values.joined(separator: " or "))" }.joined(separator: ", ")
    }

    /// Combinations of settings that cannot work. `pairs` are the keys of the level being checked
    /// (an error is put on the setting it names), `inherited` says where the other settings came from,
    /// and `main` (for a scenario) is the analysis' own settings, whose problems are reported there.
    mutating func checkSettings(_ s: ResolvedSettings, at node: Node, what: String,
                                pairs: [(key: String, keyNode: Node, value: Node)] = [], inherited: String = "'defaults'",
                                main: ResolvedSettings? = nil) {
        let method = s.pooling.method
        let model = s.pooling.model
        /// The node of the first key this level names, else the analysis or scenario.
        func at(_ keys: String...) -> Node {
            for k in keys { if let p = pairs.first(where: { $0.key == k }) { return p.value } }
            return node
        }
        func source(_ key: String) -> String { pairs.contains { $0.key == key } ? "" : " (\(key) from \(inherited))" }
        let sameMethodAndMeasure = main.map { $0.pooling.method == method && $0.measure == s.measure } ?? false
        let sameMethodAndModel = main.map { $0.pooling.method == method && $0.pooling.model == model } ?? false
        if method == .mh && !s.measure.isBinary && !sameMethodAndMeasure {
            reader.error(at("method", "measure"), "\(what) uses method MH, which needs a binary measure (OR, RR or RD), but its measure is \(s.measure.rawValue); use an inverse-variance method such as DL")
        }
        if method == .peto && s.measure != .or && !sameMethodAndMeasure {
            reader.error(at("method", "measure"), "\(what) uses method Peto, which gives odds ratios only, but its measure is \(s.measure.rawValue); use measure: OR or method: MH")
        }
        if model == .random && (method == .iv || method == .peto) && !sameMethodAndModel {
            let name = method.rawValue
            let alternatives = method == .peto
                ? "name a τ² estimator (DL, REML, …) or MH (RevMan's random-effects Mantel–Haenszel), or use model: fixed"
                : "name a τ² estimator (DL, REML, PM, …), or use model: fixed"
            reader.error(at("method", "model"), "\(what) has model random\(source("model")) with method \(name)\(source("method")); \(name) is a fixed-effect method; for random effects \(alternatives)")
        }
    }

    /// YAML errors so far; a part with its own errors skips the checks its errors would only repeat.
    var errorCount: Int { reader.diagnostics.filter { $0.severity == .error }.count }
}

extension Double {
    /// "95", "0.95".
    var formatted: String { self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : "\(self)" }
}
