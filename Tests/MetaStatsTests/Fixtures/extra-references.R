# Further reference numbers from R 4.2 / metafor 3.8-1 for MetaStats tests, beyond those in
# *.metafor.json. Run from this folder: Rscript extra-references.R  (writes extra-references.json)
suppressMessages(library(metafor))
f17 <- function(x) if (length(x) == 1) sprintf("%.17g", x) else paste0("[", paste(sprintf("%.17g", x), collapse = ", "), "]")
out <- list()
put <- function(name, ...) { v <- list(...); out[[name]] <<- paste0("{", paste(sprintf("\"%s\": %s", names(v), sapply(v, f17)), collapse = ", "), "}") }
bcg <- read.csv("bcg.csv")
normand <- read.csv("normand1999.csv")

# Mantel-Haenszel and Peto (rma.mh, rma.peto): pooled log estimate, SE, Q around the pooled estimate.
for (m in c("OR", "RR")) {
  r <- rma.mh(ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg, measure = m)
  put(paste0("mh_", m), estimate = c(r$beta), se = r$se, q = r$QE, q_p = r$QEp, z = r$zval, p = r$pval)
}
r <- rma.peto(ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)
put("peto_OR", estimate = c(r$beta), se = r$se, q = r$QE, q_p = r$QEp, z = r$zval, p = r$pval)

# Mantel-Haenszel risk difference with the Greenland & Robins (1985) variance that RevMan documents,
# written out here from the published formula (metafor's rma.mh uses a different variance for RD).
a <- as.numeric(bcg$tpos); b <- as.numeric(bcg$tneg); c <- as.numeric(bcg$cpos); d <- as.numeric(bcg$cneg)
n1 <- a + b; n2 <- c + d; N <- n1 + n2; w <- n1 * n2 / N
rd <- sum(w * (a / n1 - c / n2)) / sum(w)
se <- sqrt(sum((a * b * n2^3 + c * d * n1^3) / (n1 * n2 * N^2)) / sum(w)^2)
put("mh_RD_greenland_robins", estimate = rd, se = se)

# The Q-profile upper limit for normand1999 MD under DL lies above metafor's default search bound
# (10 * tau2); with a wide bound metafor finds the actual limit.
dat <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = normand)
ci <- confint(rma(yi, vi, data = dat, method = "DL"), control = list(tau2.max = 1e5))
put("normand_MD_tau2_ci_DL_wide", lower = ci$random[1, 2], upper = ci$random[1, 3])

# Iterating to machine precision (control for the 'strict' convergence rule).
dat <- escalc("RD", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)
for (m in c("PM", "REML", "ML", "EB")) {
  r <- rma(yi, vi, data = dat, method = m, control = list(tol = 1e-15, threshold = 1e-15, maxiter = 10000))
  put(paste0("bcg_RD_strict_", m), tau2 = r$tau2, estimate = c(r$beta), se = r$se)
}
ci <- confint(rma(yi, vi, data = dat, method = "DL"), control = list(tol = 1e-15))
put("bcg_RD_strict_tau2_ci_DL", lower = ci$random[1, 2], upper = ci$random[1, 3])

# Leave-one-out with an iterative estimator, and cumulative meta-analysis (bcg, log RR).
dat <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)
l <- leave1out(rma(yi, vi, data = dat, method = "REML"))
put("bcg_RR_leave1out_REML", estimate = l$estimate, se = l$se, tau2 = l$tau2, i2 = l$I2, q = l$Q)
l <- leave1out(rma(yi, vi, data = dat, method = "DL", test = "knha"))
put("bcg_RR_leave1out_DL_knha", estimate = l$estimate, se = l$se, ci_lower = l$ci.lb, p = l$pval, tau2 = l$tau2)
l <- leave1out(rma(yi, vi, data = dat, method = "HE"))
put("bcg_RR_leave1out_HE", estimate = l$estimate, se = l$se, tau2 = l$tau2, i2 = l$I2, q = l$Q)
l <- leave1out(rma(yi, vi, data = dat, method = "FE"))
put("bcg_RR_leave1out_FE", estimate = l$estimate, se = l$se, i2 = l$I2, q = l$Q)
cm <- cumul(rma(yi, vi, data = dat, method = "DL"))
put("bcg_RR_cumulative_DL", estimate = cm$estimate, se = cm$se, tau2 = cm$tau2, i2 = cm$I2, q = cm$Q)

# Trim and fill under REML and under a fixed-effect model.
tf <- trimfill(rma(yi, vi, data = dat, method = "REML"))
put("bcg_RR_trimfill_REML", k0 = tf$k0, estimate = c(tf$beta), tau2 = tf$tau2, right = as.numeric(tf$side == "right"))
h <- read.csv("hackshaw1998.csv")
tf <- trimfill(rma(yi, vi, data = h, method = "FE"))
put("hackshaw_trimfill_FE", k0 = tf$k0, estimate = c(tf$beta), se = tf$se, right = as.numeric(tf$side == "right"))

# Hedges' g from a t statistic equals g from the means when t is the pooled-variance t.
t <- with(normand, (m1i - m2i) / sqrt(((n1i - 1) * sd1i^2 + (n2i - 1) * sd2i^2) / (n1i + n2i - 2) * (1 / n1i + 1 / n2i)))
e <- escalc("SMD", ti = t, n1i = normand$n1i, n2i = normand$n2i)
put("normand_SMD_from_t", t = t, yi = e$yi, vi = e$vi)

cat("{\n", paste(sprintf("  \"%s\": %s", names(out), unlist(out)), collapse = ",\n"), "\n}\n", file = "extra-references.json", sep = "")
cat(R.version.string, "metafor", as.character(packageVersion("metafor")), "\n")
