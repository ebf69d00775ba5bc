# Reference numbers for the small-study checks, from R / metafor (Debian r-cran-metafor 3.8-1).
# Run from this folder: Rscript small-study-references.R
# Writes begg-k70.csv (the data, once) and small-study-references.json.
#
# metafor's ranktest() calls cor.test(yi.star, vi, method = "kendall", exact = TRUE): the exact
# permutation p-value for every k when there are no ties; with ties cor.test cannot compute an
# exact p and uses the normal approximation (tie-corrected variance, no continuity correction).
suppressMessages(library(metafor))
f17 <- function(x) if (length(x) == 1) sprintf("%.17g", x) else paste0("[", paste(sprintf("%.17g", x), collapse = ", "), "]")
out <- list()
put <- function(name, ...) { v <- list(...); out[[name]] <<- paste0("{", paste(sprintf("\"%s\": %s", names(v), sapply(v, f17)), collapse = ", "), "}") }

# 70 two-arm trials with binary outcomes in the style of Olkin (1995)'s thrombolytic-therapy
# trials: arm sizes from 20 to 3000, control risks 5-30%, a modest benefit, fewer small null trials.
if (!file.exists("begg-k70.csv")) {
  set.seed(1995)
  k <- 70
  n1 <- round(exp(runif(k, log(20), log(3000)))); n2 <- round(n1 * runif(k, 0.8, 1.2))
  p2 <- runif(k, 0.05, 0.30)
  lor <- rnorm(k, -0.25 - 0.6 / sqrt(n1 / 20), 0.15)
  p1 <- plogis(qlogis(p2) + lor)
  e1 <- rbinom(k, n1, p1); e2 <- rbinom(k, n2, p2)
  e2[e1 + e2 == 0] <- 1     # no trial without events (metapipe leaves those out of an OR)
  d <- data.frame(study = sprintf("Trial %02d", 1:k), events1 = e1, total1 = n1, events2 = e2, total2 = n2)
  write.csv(d, "begg-k70.csv", row.names = FALSE, quote = FALSE)
}
d <- read.csv("begg-k70.csv")
dat <- escalc("OR", ai = events1, n1i = total1, ci = events2, n2i = total2, data = d)
fit <- rma(yi, vi, data = dat, method = "DL")
wi <- 1 / dat$vi; ystar <- (dat$yi - weighted.mean(dat$yi, wi)) / sqrt(dat$vi - 1 / sum(wi))
stopifnot(!any(duplicated(ystar)), !any(duplicated(dat$vi)))   # no ties: the exact test applies
r <- ranktest(fit)
normal <- suppressWarnings(cor.test(ystar, dat$vi, method = "kendall", exact = FALSE))
put("k70_OR_begg", k = nrow(d), tau = c(r$tau), p_value = r$pval, p_normal_approximation = normal$p.value)

# The same with a tie: trial 2 given trial 1's table, so cor.test falls back to the normal approximation.
tied <- d; tied[2, 2:5] <- tied[1, 2:5]
dt <- escalc("OR", ai = events1, n1i = total1, ci = events2, n2i = total2, data = tied)
r <- ranktest(rma(yi, vi, data = dt, method = "DL"))
put("k70_OR_begg_tied", tau = c(r$tau), p_value = r$pval)

# Peto analyses: Egger, Begg and trim and fill on Peto's own per-study estimates (O - E)/V with
# variance 1/V (as meta's metabias does: TE and seTE of a metabin(method = "Peto") object).
peto <- function(a, n1, c, n2) {
  a <- as.numeric(a); n1 <- as.numeric(n1); c <- as.numeric(c); n2 <- as.numeric(n2)
  N <- n1 + n2; m <- a + c
  E <- n1 * m / N; V <- n1 * n2 * m * (N - m) / (N^2 * (N - 1))
  list(yi = (a - E) / V, vi = 1 / V)
}
bcg <- read.csv("bcg.csv")
sets <- list(bcg = with(bcg, peto(tpos, tpos + tneg, cpos, cpos + cneg)),
             k70 = with(d, peto(events1, total1, events2, total2)))
for (name in names(sets)) {
  p <- sets[[name]]
  fe <- rma(p$yi, p$vi, method = "FE")
  # The pooled Peto estimate is the inverse-variance mean of the Peto estimates.
  if (name == "bcg") stopifnot(abs(c(fe$beta) - c(rma.peto(ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)$beta)) < 1e-12)
  eg <- regtest(fe, model = "lm")
  put(paste0(name, "_peto_yi"), yi = p$yi, vi = p$vi)
  put(paste0(name, "_peto_egger"), intercept = c(eg$est), statistic = eg$zval, df = eg$dfs, p_value = eg$pval)
  rk <- ranktest(fe)
  put(paste0(name, "_peto_begg"), tau = c(rk$tau), p_value = rk$pval)
  tf <- trimfill(fe)
  put(paste0(name, "_peto_trimfill"), k0 = tf$k0, estimate = c(tf$beta), se = tf$se, right = as.numeric(tf$side == "right"))
}

cat("{\n", paste(sprintf("  \"%s\": %s", names(out), unlist(out)), collapse = ",\n"), "\n}\n", file = "small-study-references.json", sep = "")
cat(R.version.string, "metafor", as.character(packageVersion("metafor")), "\n")
