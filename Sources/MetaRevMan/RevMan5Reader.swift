import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads a RevMan 5 review file (`.rm5`: XML, usually ISO-8859-1, as the declaration says).
///
/// Dichotomous, continuous and generic inverse-variance analyses are imported, with their
/// subgroups, settings and every statistic RevMan stored (empty attributes mean RevMan never
/// calculated the analysis). Other analysis types (O−E, individual patient data, "other data") are
/// skipped with a note naming them. Study ids are unescaped (`STD-ISIS_x002d_2` is `ISIS-2`'s id;
/// names come from the study list).
public enum RevMan5Reader {
    public static func read(_ data: Data, path: String) throws(RevManNote) -> RevManReview {
        let delegate = Delegate(path: path)
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        delegate.parser = parser
        let ok = parser.parse()
        // An XML error is the root cause of anything else found wrong before it.
        if !ok {
            let code = delegate.errorCode ?? (parser.parserError as NSError?)?.code ?? 0
            throw RevManNote(file: path, line: delegate.errorLine ?? parser.lineNumber,
                             message: "not a readable RevMan 5 file: \(describe(code)) (XML error \(code) at column \(delegate.errorColumn ?? parser.columnNumber))")
        }
        if !delegate.stack.isEmpty {
            throw RevManNote(file: path, line: parser.lineNumber,
                             message: "not a readable RevMan 5 file: \(describe(5)) (\(delegate.stack.last!) is never closed)")
        }
        if let problem = delegate.failure { throw problem }
        guard delegate.sawReview else {
            throw RevManNote(file: path, line: 1, message: "not a RevMan 5 review: no COCHRANE_REVIEW element")
        }
        if delegate.outcomes.isEmpty {
            throw RevManNote(file: path, line: nil,
                             message: "the review has no dichotomous, continuous or generic inverse-variance analysis to import")
        }
        return RevManReview(title: delegate.title, format: .revman5, outcomes: delegate.outcomes, skipped: delegate.skipped)
    }

    /// Words for libxml2's error codes (NSXMLParser.ErrorCode) that damaged review files produce.
    static func describe(_ code: Int) -> String {
        switch code {
        case 9: return "a character that is not valid in the encoding the XML declaration names; re-save the file or correct its declaration"
        case 5, 77: return "the file ends before its last element closes; it looks truncated"
        case 4: return "the file is empty"
        case 76: return "an element closes with the wrong name; the file is damaged"
        case 31, 32: return "the declared encoding is not supported"
        default: return "malformed XML; check that the file is complete and its encoding matches its XML declaration"
        }
    }

    /// `_xHHHH_` escapes in RevMan ids (`STD-ISIS_x002d_2` → `STD-ISIS-2`).
    public static func unescape(_ id: String) -> String {
        var out = ""
        var rest = Substring(id)
        while let range = rest.range(of: "_x") {
            let after = rest[range.upperBound...]
            let hex = after.prefix(4)
            if hex.count == 4, after.dropFirst(4).first == "_", let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) {
                out += rest[..<range.lowerBound]
                out.unicodeScalars.append(scalar)
                rest = after.dropFirst(5)
            } else {
                out += rest[..<range.upperBound]
                rest = after
            }
        }
        return out + rest
    }

    static let outcomeKinds: [String: RevManOutcome.DataType] = [
        "DICH_OUTCOME": .dichotomous, "CONT_OUTCOME": .continuous, "IV_OUTCOME": .generic,
    ]
    static let unsupportedOutcomes: [String: String] = [
        "OE_OUTCOME": "O−E and variance", "IPD_OUTCOME": "individual patient data", "OTHER_OUTCOME": "other data",
    ]
    static let rowElements: Set<String> = ["DICH_DATA", "CONT_DATA", "IV_DATA"]
    static let subgroupElements: Set<String> = ["DICH_SUBGROUP", "CONT_SUBGROUP", "IV_SUBGROUP"]

    final class Delegate: NSObject, XMLParserDelegate {
        let path: String
        weak var parser: XMLParser?
        var failure: RevManNote?
        var sawReview = false
        var title = ""
        var studies: [String: (name: String, year: String)] = [:]
        var outcomes: [RevManOutcome] = []
        var skipped: [RevManNote] = []
        var stack: [String] = []
        var text = ""
        var comparisonNumber = ""
        var comparisonName = ""
        var current: RevManOutcome?
        var currentSubgroup: RevManSubgroup?
        var currentRow: RevManRow?
        var swapEvents = false
        var skipping = 0
        var errorLine: Int?
        var errorColumn: Int?
        var errorCode: Int?

        func parser(_ parser: XMLParser, parseErrorOccurred error: Error) {
            if errorLine == nil {
                errorLine = parser.lineNumber
                errorColumn = parser.columnNumber
                errorCode = (error as NSError).code
            }
        }

        init(path: String) { self.path = path }

        var line: Int? { parser?.lineNumber }

        /// Records the first problem; the rest of the file is still read for XML errors, which take precedence.
        func fail(_ message: String) {
            guard failure == nil else { return }
            failure = RevManNote(file: path, line: line, message: message)
        }

        /// A stored statistic: nil for an empty attribute; a failure for text that is not a number.
        func number(_ attributes: [String: String], _ key: String, element: String) -> Double? {
            guard let raw = attributes[key]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            guard let value = Double(raw), value.isFinite else {
                fail("\(element) attribute \(key)=\"\(raw)\" is not a number")
                return nil
            }
            return value
        }

        /// Statistics RevMan computed: an attribute that is empty or not a finite number ("NaN", "Infinity")
        /// is one RevMan did not compute, not a data error.
        func statistics(_ a: [String: String], element: String, keys: [(String, String)]) -> [String: Double] {
            var out: [String: Double] = [:]
            for (attribute, name) in keys {
                if let raw = a[attribute]?.trimmingCharacters(in: .whitespaces), let v = Double(raw), v.isFinite { out[name] = v }
            }
            return out
        }

        static let pooledKeys = [("EFFECT_SIZE", "estimate"), ("CI_START", "ci_lower"), ("CI_END", "ci_upper"), ("Z", "z"),
                                 ("P_Z", "p_z"), ("CHI2", "chi2"), ("DF", "df"), ("P_CHI2", "p_chi2"), ("I2", "i2"), ("TAU2", "tau2")]
        static let testKeys = [("Q", "q_between"), ("P_Q", "p_between"), ("I2_Q", "i2_between")]
        static let studyKeys = [("EFFECT_SIZE", "estimate"), ("CI_START", "ci_lower"), ("CI_END", "ci_upper"), ("SE", "se"),
                                ("VAR", "variance"), ("WEIGHT", "weight")]

        func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
                    attributes a: [String: String] = [:]) {
            stack.append(element)
            text = ""
            if failure != nil { return }
            if skipping > 0 { skipping += 1; return }
            switch element {
            case "COCHRANE_REVIEW":
                sawReview = true
            case "STUDY":
                if let id = a["ID"] {
                    studies[id] = (a["NAME"]?.trimmingCharacters(in: .whitespaces) ?? RevMan5Reader.unescape(id), a["YEAR"] ?? "")
                }
            case "COMPARISON":
                comparisonNumber = a["NO"] ?? ""
                comparisonName = ""
            case _ where RevMan5Reader.unsupportedOutcomes[element] != nil:
                skipped.append(RevManNote(file: path, line: line,
                                          message: "skipped analysis \(comparisonNumber).\(a["NO"] ?? "?") (\(a["ID"] ?? element)): \(RevMan5Reader.unsupportedOutcomes[element]!) analyses are not supported"))
                skipping = 1
            case _ where RevMan5Reader.outcomeKinds[element] != nil:
                let kind = RevMan5Reader.outcomeKinds[element]!
                let stats = statistics(a, element: element, keys: Self.pooledKeys)
                var test: [String: Double] = [:]
                if a["SUBGROUPS"] == "YES" { test = statistics(a, element: element, keys: Self.testKeys) }
                current = RevManOutcome(
                    id: "\(comparisonNumber).\(a["NO"] ?? "?")", comparison: comparisonName, name: "", dataType: kind,
                    revmanMeasure: a["EFFECT_MEASURE"] ?? (kind == .continuous ? "MD" : "OR"),
                    revmanMethod: a["METHOD"] ?? (kind == .dichotomous ? "MH" : "IV"), random: a["RANDOM"] == "YES",
                    ciStudy: number(a, "CI_STUDY", element: element) ?? 95, ciTotal: number(a, "CI_TOTAL", element: element) ?? 95,
                    groupLabels: ("Experimental", "Control"), graphLabels: ("Favours experimental", "Favours control"),
                    calculated: stats["estimate"] != nil, statistics: stats, subgroupTest: test, subgroups: [], rows: [],
                    file: path, line: line)
                current?.totals = a["TOTALS"] ?? "YES"
                current?.logData = a["LOG_DATA"] != "NO"
                current?.estimable = a["ESTIMABLE"] != "NO"
                if let m = a["EFFECT_MEASURE"], kind == .generic { current?.measureName = m }
                swapEvents = a["SWAP_EVENTS"] == "YES"
                if swapEvents {
                    skipped.append(RevManNote(file: path, line: line, message: "analysis \(current!.id): events and non-events are swapped, as RevMan was told"))
                }
            case _ where RevMan5Reader.subgroupElements.contains(element):
                currentSubgroup = RevManSubgroup(name: "", statistics: statistics(a, element: element, keys: Self.pooledKeys),
                                                 estimable: a["ESTIMABLE"] != "NO")
            case _ where RevMan5Reader.rowElements.contains(element):
                guard current != nil else { return }
                guard let id = a["STUDY_ID"] else {
                    fail("\(element) has no STUDY_ID")
                    return
                }
                guard let study = studies[id] else {
                    fail("\(element) refers to study \(id), which the review's study list does not include")
                    return
                }
                var values: [String: Double] = [:]
                let keys: [(String, String)]
                switch element {
                case "DICH_DATA": keys = [("EVENTS_1", "events1"), ("TOTAL_1", "total1"), ("EVENTS_2", "events2"), ("TOTAL_2", "total2")]
                case "CONT_DATA": keys = [("MEAN_1", "mean1"), ("SD_1", "sd1"), ("TOTAL_1", "n1"), ("MEAN_2", "mean2"), ("SD_2", "sd2"), ("TOTAL_2", "n2")]
                default: keys = [("ESTIMATE", "yi"), ("SE", "se")]
                }
                for (attribute, role) in keys {
                    guard let v = number(a, attribute, element: element) else {
                        if failure == nil { fail("\(element) for study \(study.name) has no \(attribute)") }
                        return
                    }
                    values[role] = v
                }
                if element == "DICH_DATA", swapEvents {
                    values["events1"] = values["total1"]! - values["events1"]!
                    values["events2"] = values["total2"]! - values["events2"]!
                }
                currentRow = RevManRow(study: study.name, year: study.year, studyID: RevMan5Reader.unescape(id),
                                       subgroup: nil, values: values,
                                       statistics: element == "IV_DATA" ? statistics(a, element: element, keys: [("WEIGHT", "weight"), ("CI_START", "ci_lower"), ("CI_END", "ci_upper")])
                                           : statistics(a, element: element, keys: Self.studyKeys),
                                       footnote: nil, line: line, estimable: a["ESTIMABLE"] != "NO")
            default:
                break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
            defer { stack.removeLast() }
            if failure != nil { return }
            if skipping > 0 { skipping -= 1; return }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let parent = stack.count >= 2 ? stack[stack.count - 2] : ""
            switch element {
            case "TITLE" where parent == "COVER_SHEET":
                title = value
            case "NAME":
                if RevMan5Reader.rowElements.contains(parent) { break }
                if RevMan5Reader.subgroupElements.contains(parent) { currentSubgroup?.name = value }
                else if RevMan5Reader.outcomeKinds[parent] != nil { current?.name = value }
                else if parent == "COMPARISON" { comparisonName = value }
            case "EFFECT_MEASURE" where RevMan5Reader.outcomeKinds[parent] != nil:
                // "Data only" exports name a generic analysis' measure in a child element.
                if !value.isEmpty { current?.measureName = value }
            case "GROUP_LABEL_1": if !value.isEmpty { current?.groupLabels.experimental = value }
            case "GROUP_LABEL_2": if !value.isEmpty { current?.groupLabels.control = value }
            case "GRAPH_LABEL_1": if !value.isEmpty { current?.graphLabels.left = value }
            case "GRAPH_LABEL_2": if !value.isEmpty { current?.graphLabels.right = value }
            case "FOOTNOTE" where currentRow != nil:
                if !value.isEmpty { currentRow?.footnote = value }
            case _ where RevMan5Reader.rowElements.contains(element):
                if var row = currentRow {
                    row.subgroup = currentSubgroup?.name
                    current?.rows.append(row)
                }
                currentRow = nil
            case _ where RevMan5Reader.subgroupElements.contains(element):
                if let s = currentSubgroup { current?.subgroups.append(s) }
                currentSubgroup = nil
            case _ where RevMan5Reader.outcomeKinds[element] != nil:
                guard var outcome = current else { break }
                current = nil
                if outcome.measure == nil {
                    skipped.append(RevManNote(file: path, line: outcome.line, message: "skipped analysis \(outcome.id) '\(outcome.name)': effect measure \(outcome.revmanMeasure) is not supported"))
                    break
                }
                if outcome.rows.isEmpty {
                    skipped.append(RevManNote(file: path, line: outcome.line, message: "skipped analysis \(outcome.id) '\(outcome.name)': it has no study data"))
                    break
                }
                // Subgroup names on rows of subgroups with no NAME element fall back to their number.
                for i in outcome.subgroups.indices where outcome.subgroups[i].name.isEmpty { outcome.subgroups[i].name = "Subgroup \(i + 1)" }
                outcome.labelRows()
                outcomes.append(outcome)
            default:
                break
            }
        }
    }
}
