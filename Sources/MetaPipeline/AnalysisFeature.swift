import MetaStats
import Yams

/// One feature of an analysis: the YAML keys it owns and how it reads them into the `Analysis`.
///
/// Each feature lives in its own `AnalysisFeature+<Name>.swift`, keys and reading together, and has
/// one line in `PipelineLoader.analysisFeatures`; the keys an analysis accepts are those of the
/// registered features and the settings (`SettingsSpec.keys`). An analysis is read in three rounds,
/// every feature in registry order in each: `read` before its rows are selected, `resolve` once every
/// feature has read, and `finish` once the rows are checked and the studies known.
protocol AnalysisFeatureReader: SendableMetatype {
    /// The keys of an analysis this feature reads, in the order "unknown key" messages list them.
    static var keys: [String] { get }
    init()
    /// Reads the feature's keys before the rows are selected. An error here holds back the checks
    /// of what the selection matches (a wrong key is often their cause).
    mutating func read(_ analysis: inout AnalysisDraft, _ loader: inout Loader)
    /// Once every feature has read its keys, still before the rows: what depends on another
    /// feature's keys (a plot asks for the analysis it draws).
    mutating func resolve(_ analysis: inout AnalysisDraft, _ loader: inout Loader)
    /// Once the rows are checked: what needs the studies. An error here holds nothing back.
    mutating func finish(_ analysis: inout AnalysisDraft, _ loader: inout Loader)
}

extension AnalysisFeatureReader {
    mutating func read(_ analysis: inout AnalysisDraft, _ loader: inout Loader) {}
    mutating func resolve(_ analysis: inout AnalysisDraft, _ loader: inout Loader) {}
    mutating func finish(_ analysis: inout AnalysisDraft, _ loader: inout Loader) {}
}

extension PipelineLoader {
    /// The features of an analysis, in the order their keys are listed (a new feature is a new
    /// `AnalysisFeature+<Name>.swift` and a line here).
    static let analysisFeatures: [any AnalysisFeatureReader.Type] = [
        TitleReader.self,
        RowsReader.self,
        LabelsReader.self,
        SubgroupsReader.self,
        ModeratorsReader.self,
        SensitivityReader.self,
        BiasReader.self,
        PlotsReader.self,
        VerifyReader.self,
        RepeatedStudiesReader.self,
        TotalsReader.self,
        ScaleReader.self,
    ]

    /// Every key an analysis may have: its features' and the settings (which `defaults` and scenarios share).
    static let analysisKeys = analysisFeatures.flatMap { $0.keys } + SettingsSpec.keys
}

/// An analysis while its keys are read: the mapping the features read, what earlier features found
/// that later ones need (the tables' columns, where each plot is listed), and the `Analysis` they fill.
struct AnalysisDraft {
    /// "analysis 'name'", as messages call it.
    let what: String
    /// The analysis's name in the pipeline file, where messages about the whole analysis point.
    let keyNode: Node
    let pairs: [(key: String, keyNode: Node, value: Node)]
    /// The pipeline's `labels`, which the analysis's own override.
    let pipelineLabels: LabelsSpec
    /// The settings as the analysis gives them over `defaults` (a scenario's override these).
    let settingsSpec: SettingsSpec
    /// The settings were read without an error; the rows are not checked against settings that are
    /// not the ones meant.
    let settingsRead: Bool
    var analysis: Analysis

    /// The tables read and their columns (set by `RowsReader`).
    var loaded: [LoadedTable] = []
    var columns: Set<String> = []
    var tablesDescription = ""
    /// Every table has the columns that name its studies.
    var studiesNamed = true
    var entries = EntryNodes()
    /// Where each plot is listed (set by `PlotsReader`).
    var plotNodes: [PlotKind: Node] = [:]

    func value(_ key: String) -> Node? { pairs.first { $0.key == key }?.value }

    /// Every table the analysis names was read (else its columns are not checked).
    var allLoaded: Bool { loaded.count == analysis.selection.tables.count }
    /// The rows can be selected and checked: every table read and able to name its studies, the settings read.
    var rowsCheckable: Bool { allLoaded && !analysis.selection.tables.isEmpty && studiesNamed && settingsRead }
}

extension Loader {
    /// One analysis: its settings, then each feature's keys, its rows, and what needs the studies.
    mutating func readAnalysis(_ name: String, keyNode: Node, node: Node, defaults: SettingsSpec, labels: LabelsSpec) -> Analysis? {
        let what = "analysis '\(name)'"
        lastEstimable = true
        checkFolderName(name, "analysis", at: keyNode)
        guard let pairs = reader.mapping(node, what) else { return nil }
        let errorsBefore = errorCount
        reader.checkKeys(pairs, allowed: PipelineLoader.analysisKeys, in: what)

        // The settings come first: features depend on them (the measure decides a plot's axis).
        let beforeSettings = errorCount
        let settingsSpec = defaults.overridden(by: readSettings(pairs))
        let settingsRead = errorCount == beforeSettings && !defaultsInvalid
        let settings = ResolvedSettings(settingsSpec)
        checkSettings(settings, at: keyNode, what: what, pairs: pairs)
        var selection = SelectionSpec(tables: [])
        selection.missing = settings.missing
        let analysis = Analysis(name: name, title: name, description: nil, origin: reader.location(keyNode), selection: selection,
                                settings: settings, labels: Labels(labels), subgroups: [], leaveOneOut: false, cumulative: false,
                                scenarios: [], bias: [], plots: [], verify: nil, studies: [])
        var draft = AnalysisDraft(what: what, keyNode: keyNode, pairs: pairs, pipelineLabels: labels, settingsSpec: settingsSpec,
                                  settingsRead: settingsRead, analysis: analysis)
        var features = PipelineLoader.analysisFeatures.map { $0.init() }
        for i in features.indices { features[i].read(&draft, &self) }
        for i in features.indices { features[i].resolve(&draft, &self) }

        let countChecks = errorCount == errorsBefore && damagedTables.isDisjoint(with: draft.analysis.selection.tables)
        selectStudies(&draft, countChecks: countChecks)
        draft.analysis.estimable = lastEstimable
        for i in features.indices { features[i].finish(&draft, &self) }
        return draft.analysis
    }

    /// The analysis's list of columns under `key` (`subgroups`, `moderators`), checked against its tables.
    mutating func readColumnList(_ key: String, role: String, of a: AnalysisDraft) -> [String]? {
        a.value(key).map {
            readColumnList($0, "'\(key)' of \(a.what)", role: role, columns: a.columns, tablesDescription: a.tablesDescription,
                           check: a.allLoaded)
        }
    }

    /// A list of column names (`subgroups`, `moderators`), each checked against the tables when
    /// `check` and each listed once.
    mutating func readColumnList(_ node: Node, _ what: String, role: String, columns: Set<String>, tablesDescription: String,
                                 check: Bool) -> [String] {
        var listed: [String] = []
        for (column, item) in reader.names(node, what) ?? [] {
            if check { checkColumn(column, node: item, columns: columns, tablesDescription: tablesDescription) }
            if listed.contains(column) { reader.error(item, "\(role) column '\(column)' is listed twice") }
            else { listed.append(column) }
        }
        return listed
    }

    /// Influence diagnostics, GOSH and meta-regression refit inverse-variance models (metafor's
    /// rma.uni): Mantel–Haenszel or Peto pooling is an error at `node`. Returns whether the method is one.
    @discardableResult
    mutating func requireInverseVariance(_ settings: ResolvedSettings, _ subject: String, at node: Node) -> Bool {
        let method = settings.pooling.method
        guard method == .mh || method == .peto else { return true }
        reader.error(node, "\(subject) an inverse-variance fit; method \(method.rawValue) (\(method == .mh ? "Mantel–Haenszel" : "Peto")) is not one: use method: IV for a fixed-effect fit or a τ² estimator such as DL")
        return false
    }
}
