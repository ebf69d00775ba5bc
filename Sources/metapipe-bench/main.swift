import Dispatch
import Foundation
import MetaPlot
import MetaStats

// metapipe-bench TASK K REPS DATA.csv
//
// Times one statistical task in-process, on the same data file R's bench/bench.R reads, and prints a
// JSON line: {"tool", "task", "k", "reps", "median_s", "min_s"}. The first repetition is a warm-up
// and is not counted. REPS = 0 runs the task once, cold, and reports that run: the driver (bench/run)
// times such processes from start to exit, so that "process" time is one task, start-up included.
//
// Tasks: noop, pool-DL, pool-REML, loo-METHOD (loo-DL, loo-REML, …), trimfill-DL, forest-png, forest-svg,
// gosh-METHOD (every subset of the K studies: gosh-DL, gosh-REML, gosh-FE), influence-METHOD.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("metapipe-bench: \(message)\n".utf8))
    exit(64)
}

let args = CommandLine.arguments
guard args.count >= 5, let k = Int(args[2]), let reps = Int(args[3]) else {
    fail("usage: metapipe-bench TASK K REPS DATA.csv")
}
let task = args[1]

func readData(_ path: String) -> [EffectSize] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { fail("cannot read \(path)") }
    var effects: [EffectSize] = []
    effects.reserveCapacity(k)
    for (i, line) in text.split(separator: "\n").enumerated() where i > 0 {
        let cells = line.split(separator: ",")
        guard cells.count >= 3, let yi = Double(cells[1]), let vi = Double(cells[2]) else { fail("bad line \(i + 1)") }
        effects.append(EffectSize(study: String(cells[0]), yi: yi, vi: vi, input: .variance))
    }
    return effects
}

let effects = task == "noop" ? [] : readData(args[4])

func work() throws {
    switch task {
    case "noop": break
    case "pool-DL": _ = try Pooling.analyze(effects, measure: .generic, options: PoolingOptions(method: .dl, tau2ConfidenceInterval: false))
    case "pool-REML": _ = try Pooling.analyze(effects, measure: .generic, options: PoolingOptions(method: .reml, tau2ConfidenceInterval: false))
    case "loo-DL": _ = try Sensitivity.leaveOneOut(effects, measure: .generic, options: PoolingOptions(method: .dl))
    case let name where name.hasPrefix("loo-"):
        guard let method = PoolingMethod(rawValue: String(name.dropFirst(4))) else { fail("unknown task \(task)") }
        _ = try Sensitivity.leaveOneOut(effects, measure: .generic, options: PoolingOptions(method: method))
    case let name where name.hasPrefix("gosh-"):
        let m = String(name.dropFirst(5))
        let options = m == "FE" ? PoolingOptions(model: .fixed, method: .iv)
            : PoolingOptions(method: PoolingMethod(rawValue: m) ?? { fail("unknown task \(task)") }())
        _ = try Gosh.analyze(effects, options: options)
    case let name where name.hasPrefix("influence-"):
        guard let method = PoolingMethod(rawValue: String(name.dropFirst(10))) else { fail("unknown task \(task)") }
        _ = try Influence.diagnostics(effects, measure: .generic, options: PoolingOptions(method: method))
    case "trimfill-DL": _ = try SmallStudy.trimAndFill(effects, measure: .generic, options: PoolingOptions(method: .dl))
    case "forest-png", "forest-svg":
        let analysis = try Pooling.analyze(effects, measure: .generic, options: PoolingOptions(method: .dl, tau2ConfidenceInterval: false))
        let input = ForestPlotInput(title: nil, measure: .generic, analysis: analysis, effects: effects, subgroups: nil,
                                    direction: .higher,
                                    labels: PlotLabels(experimental: "Experimental", control: "Control",
                                                       favoursExperimental: "Favours experimental", favoursControl: "Favours control"))
        let layout = try Plots.forest(input)
        _ = try Plots.render(layout, as: task == "forest-png" ? .png : .svg, dpi: 96)
    default: fail("unknown task \(task)")
    }
}

var times: [Double] = []
do {
    for rep in 0...max(reps, 0) {
        let start = DispatchTime.now()
        try work()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        if rep > 0 || reps <= 0 { times.append(seconds) }
    }
} catch {
    fail("\(task) failed: \(error)")
}
times.sort()
let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
print("{\"tool\": \"metapipe\", \"task\": \"\(task)\", \"k\": \(k), \"reps\": \(reps), \"median_s\": \(median), \"min_s\": \(times.first ?? 0)}")
