# Rscript bench/bench.R TASK K REPS DATA.csv
#
# Times one task with metafor in-process, on the same data file metapipe-bench reads, and prints a
# JSON line: {"tool", "task", "k", "reps", "median_s", "min_s"}. The first repetition is a warm-up
# and is not counted; very short tasks are repeated inside each timing so that the clock's
# resolution does not matter. REPS = 0 runs the task once, cold, and reports that run: bench/run
# times such processes from start to exit (R itself, loading metafor, reading the data, one task).
args <- commandArgs(trailingOnly = TRUE)
task <- args[1]; k <- as.integer(args[2]); reps <- as.integer(args[3]); data <- args[4]
suppressMessages(library(metafor))
d <- if (task != "noop") read.csv(data) else NULL
out <- tempfile()
plot_size <- function(k) 2 + 0.2 * k   # inches: room for every row, as metapipe's layout has
work <- switch(task,
  "noop" = function() NULL,
  "pool-DL" = function() rma(d$yi, d$vi, method = "DL"),
  "pool-REML" = function() rma(d$yi, d$vi, method = "REML"),
  "loo-DL" = function() leave1out(rma(d$yi, d$vi, method = "DL")),
  "loo-REML" = function() leave1out(rma(d$yi, d$vi, method = "REML")),
  "loo-PM" = function() leave1out(rma(d$yi, d$vi, method = "PM")),
  "trimfill-DL" = function() trimfill(rma(d$yi, d$vi, method = "DL")),
  "gosh-DL" = function() gosh(rma(d$yi, d$vi, method = "DL"), progbar = FALSE),
  "gosh-REML" = function() gosh(rma(d$yi, d$vi, method = "REML"), progbar = FALSE),
  "influence-DL" = function() influence(rma(d$yi, d$vi, method = "DL")),
  "influence-REML" = function() influence(rma(d$yi, d$vi, method = "REML")),
  "forest-png" = function() {
    png(out, width = 8, height = plot_size(k), units = "in", res = 96)
    forest(rma(d$yi, d$vi, method = "DL"), slab = d$study)
    dev.off()
  },
  "forest-svg" = function() {
    svg(out, width = 8, height = plot_size(k))
    forest(rma(d$yi, d$vi, method = "DL"), slab = d$study)
    dev.off()
  },
  stop("unknown task ", task))
inner <- 1L
first <- system.time(work())[["elapsed"]]          # warm-up (or, with REPS = 0, the one run)
if (first < 0.05) inner <- as.integer(ceiling(0.05 / max(first, 1e-4)))
times <- numeric(0)
if (reps == 0 || (first > 10 && reps == 1)) {
  times <- first                                   # a task of minutes: its one run is the measurement
} else for (i in seq_len(reps)) {
  t <- system.time(for (j in seq_len(inner)) work())[["elapsed"]]
  times <- c(times, t / inner)
}
cat(sprintf('{"tool": "metafor", "task": "%s", "k": %d, "reps": %d, "median_s": %.9g, "min_s": %.9g}\n',
            task, k, reps, median(times), min(times)))
