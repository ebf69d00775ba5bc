# Rscript bench/pipelines.R PIPELINES_DIR OUTPUT_DIR
#
# What `metapipe run` computes for every pipelines/*.yaml, written as one would with metafor: effect
# sizes, the main fit with its Q-profile CI for tau^2 and prediction interval, leave-one-out,
# subgroup fits with the test for subgroup differences, Egger, Begg and trim and fill, every
# scenario, the figures (PNG and SVG) and CSV tables. bench/run times it beside metapipe; R has no
# cache, so every run is a cold run.
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]; out <- args[2]
suppressMessages(library(metafor))
dir.create(out, showWarnings = FALSE, recursive = TRUE)

figure <- function(path, rows, draw) {
  h <- 2 + 0.25 * rows
  png(paste0(path, ".png"), width = 10, height = h, units = "in", res = 150); draw(); dev.off()
  svg(paste0(path, ".svg"), width = 10, height = h); draw(); dev.off()
}

analyse <- function(name, dat, method = "DL", test = "z", loo = FALSE, subgroups = character(), bias = FALSE,
                    forest = TRUE, funnel = FALSE, scenarios = list(), mh = FALSE, counts = NULL) {
  folder <- file.path(out, name); dir.create(folder, showWarnings = FALSE, recursive = TRUE)
  res <- if (mh) rma.mh(ai = counts$ai, bi = counts$bi, ci = counts$ci, di = counts$di, measure = "OR")
         else rma(yi, vi, data = dat, method = method, test = test)
  if (!mh && method != "FE") { confint(res); predict(res) }
  write.csv(data.frame(study = dat$study, yi = dat$yi, vi = dat$vi, weight = weights(res)), file.path(folder, "studies.csv"))
  if (loo) {
    l <- leave1out(res)
    write.csv(as.data.frame(l), file.path(folder, "leave-one-out.csv"))
    figure(file.path(folder, "leave-one-out"), nrow(dat),
           function() forest(l$estimate, ci.lb = l$ci.lb, ci.ub = l$ci.ub, slab = paste("Omitting", dat$study)))
  }
  for (column in subgroups) {
    groups <- split(seq_len(nrow(dat)), dat[[column]])
    fits <- lapply(groups, function(rows) rma(yi, vi, data = dat[rows, ], method = method, test = test))
    est <- sapply(fits, function(f) coef(f)); se <- sapply(fits, function(f) f$se)
    rma(est, sei = se, method = "FE")                      # test for subgroup differences
    if (forest) figure(file.path(folder, paste0("forest-", column)), nrow(dat) + 4 * length(groups),
                       function() forest(res, slab = dat$study, order = order(dat[[column]])))
  }
  if (bias) {
    fe <- rma(yi, vi, data = dat, method = "FE")
    regtest(fe, model = "lm"); ranktest(res)
    tf <- trimfill(rma(yi, vi, data = dat, method = method))
    if (funnel) figure(file.path(folder, "funnel"), 20, function() funnel(tf))
  }
  for (s in scenarios) s(dat)
  if (forest) figure(file.path(folder, "forest"), nrow(dat), function() forest(res, slab = dat$study))
  invisible(res)
}

# normand1999
n <- read.csv(file.path(dir, "normand1999/normand1999.csv")); n$study <- n$source
smd <- escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = n)
analyse("normand1999/smd", smd, loo = TRUE, bias = TRUE, funnel = TRUE, scenarios = list(
  function(d) rma(yi, vi, data = d, method = "REML", test = "knha"),
  function(d) rma(yi, vi, data = d, method = "FE"),
  function(d) rma(yi, vi, data = d, method = "DL")))
analyse("normand1999/md", escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = n), loo = TRUE)

# bcg
b <- read.csv(file.path(dir, "bcg/bcg.csv")); b$study <- paste(b$author, b$year)
rr <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = b)
analyse("bcg/rr", rr, loo = TRUE, subgroups = "alloc", bias = TRUE, funnel = TRUE, scenarios = list(
  function(d) rma(yi, vi, data = d, method = "REML"),
  function(d) rma.mh(ai = tpos, bi = tneg, ci = cpos, di = cneg, data = b, measure = "RR"),
  function(d) rma(yi, vi, data = d[d$alloc == "random", ], method = "DL")))
analyse("bcg/or", escalc("OR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = b))

# raudenbush1985
r <- read.csv(file.path(dir, "raudenbush1985/raudenbush1985.csv")); r$study <- paste(r$author, r$year, r$study)
analyse("raudenbush1985/iq", r, loo = TRUE, subgroups = "tester", bias = TRUE, funnel = TRUE, scenarios = list(
  function(d) rma(yi, vi, data = d, method = "REML"), function(d) rma(yi, vi, data = d, method = "PM")))

# hackshaw1998
h <- read.csv(file.path(dir, "hackshaw1998/hackshaw1998.csv")); h$study <- paste(h$author, h$year)
analyse("hackshaw1998/lung-cancer", h, loo = TRUE, subgroups = "design", bias = TRUE, funnel = TRUE, scenarios = list(
  function(d) rma(yi, vi, data = d, method = "FE"), function(d) rma(yi, vi, data = d[d$design == "case-control", ], method = "DL")))

# fleiss1993
f <- read.csv(file.path(dir, "fleiss1993/studies.csv"))
a <- f[f$outcome == "1.1", ]
aspirin <- escalc("OR", ai = events1, n1i = total1, ci = events2, n2i = total2, data = a)
analyse("fleiss1993/analysis-1.1", aspirin, mh = TRUE,
        counts = list(ai = a$events1, bi = a$total1 - a$events1, ci = a$events2, di = a$total2 - a$events2))
m <- f[f$outcome == "1.2", ]
analyse("fleiss1993/analysis-1.2", escalc("SMD", m1i = mean1, sd1i = sd1, n1i = n1, m2i = mean2, sd2i = sd2, n2i = n2, data = m), method = "FE")

# balint
ctl <- read.csv(file.path(dir, "balint/controlled.csv")); st <- read.csv(file.path(dir, "balint/statistics.csv"))
emp <- ctl[ctl$outcome == "empathy" & ctl$comparator == "no intervention" & !(ctl$study == "Buffel du Vaure 2017" & ctl$timepoint == "change"), ]
e <- escalc("SMD", m1i = mean1, sd1i = sd1, n1i = n1, m2i = mean2, sd2i = sd2, n2i = n2, data = emp)
analyse("balint/empathy", e, loo = TRUE, subgroups = c("country", "population"), bias = TRUE, funnel = TRUE, scenarios = list(
  function(d) rma(yi, vi, data = d[d$flag != "possible_overlap", ], method = "DL"),
  function(d) { alt <- ctl[ctl$outcome == "empathy" & ctl$comparator == "no intervention" & !(ctl$study == "Buffel du Vaure 2017" & ctl$timepoint == "post"), ]
                rma(yi, vi, data = escalc("SMD", m1i = mean1, sd1i = sd1, n1i = n1, m2i = mean2, sd2i = sd2, n2i = n2, data = alt), method = "DL") },
  function(d) rma(yi, vi, data = d, method = "FE"),
  function(d) rma(yi, vi, data = d, method = "REML", test = "knha"),
  function(d) rma(yi, vi, data = d, method = "DL")))
for (o in c("burnout_ee", "burnout_dp", "burnout_pa")) {
  arms <- ctl[ctl$outcome == o & ctl$comparator == "no intervention", ]
  tt <- st[st$outcome == o, ]
  ea <- escalc("SMD", m1i = mean1, sd1i = sd1, n1i = n1, m2i = mean2, sd2i = sd2, n2i = n2, data = arms)
  et <- escalc("SMD", ti = value, n1i = n1, n2i = n2, data = tt)
  d <- data.frame(study = c(arms$study, tt$study), yi = c(ea$yi, et$yi), vi = c(ea$vi, et$vi),
                  flag = c(arms$flag, rep("", nrow(tt))))
  analyse(paste0("balint/", o), d, loo = TRUE, bias = TRUE, funnel = o == "burnout_ee", scenarios = list(
    function(d) rma(yi, vi, data = d[d$flag != "doubtful_sd", ], method = "DL"),
    function(d) { a2 <- arms; a2$n2[a2$study == "Cheng 2019"] <- 240
                  e2 <- escalc("SMD", m1i = mean1, sd1i = sd1, n1i = n1, m2i = mean2, sd2i = sd2, n2i = n2, data = a2)
                  rma(c(e2$yi, et$yi), c(e2$vi, et$vi), method = "DL") },
    function(d) rma(yi, vi, data = d, method = "FE"),
    function(d) rma(yi, vi, data = d, method = "REML", test = "knha")))
}
cat("done\n")
