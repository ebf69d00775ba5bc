# Meta-regression reference numbers from R 4.2 / metafor 3.8-1: BCG log risk ratios on absolute
# latitude (numeric) and allocation (factor, reference = first level in sorted order, "alternate").
# Iterative fits to machine precision. Run from this folder: Rscript metareg.R (writes metareg.metafor.json)
suppressMessages(library(metafor))
library(jsonlite)
bcg <- read.csv("bcg.csv")
dat <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)
ctrl <- list(tol = 1e-15, threshold = 1e-15, maxiter = 10000)
out <- list(yi = c(dat$yi), vi = c(dat$vi), ablat = dat$ablat, alloc = dat$alloc)
one <- function(r, r2 = TRUE) {
  cf <- coef(summary(r))
  l <- list(terms = rownames(cf), estimate = cf$estimate, se = cf$se,
            statistic = if (!is.null(cf$zval)) cf$zval else cf$tval, p_value = cf$pval,
            ci_lower = cf$ci.lb, ci_upper = cf$ci.ub, qm = r$QM, qm_p = r$QMp, qm_df = r$QMdf,
            qe = r$QE, qe_p = r$QEp, tau2 = r$tau2, i2 = r$I2, h2 = r$H2)
  if (r2 && !is.null(r$R2)) l$r2 <- r$R2
  l
}
for (m in c("REML", "ML", "DL", "FE", "PM", "HE", "SJ", "EB", "HS")) {
  for (test in c("z", "knha")) {
    if (m == "FE" && test == "knha") next
    key <- paste0("ablat_", m, "_", test)
    out[[key]] <- one(rma(yi, vi, mods = ~ ablat, data = dat, method = m, test = test, control = ctrl))
    key <- paste0("ablat_alloc_", m, "_", test)
    out[[key]] <- one(rma(yi, vi, mods = ~ ablat + factor(alloc), data = dat, method = m, test = test, control = ctrl))
  }
}
out$none_REML <- one(rma(yi, vi, data = dat, method = "REML", control = ctrl))
# The bubble plot's line: predictions along ablat (other terms at their means, as regplot draws it).
line <- function(r, newmods) {
  p <- predict(r, newmods = newmods)
  list(x = c(as.matrix(newmods)[, 1]), pred = c(p$pred), ci_lower = c(p$ci.lb), ci_upper = c(p$ci.ub))
}
at <- c(13, 33, 55)
out$line_ablat_REML_knha <- line(rma(yi, vi, mods = ~ ablat, data = dat, method = "REML", test = "knha", control = ctrl), at)
X <- model.matrix(~ ablat + factor(alloc), data = dat)
out$line_ablat_alloc_DL_z <- line(rma(yi, vi, mods = ~ ablat + factor(alloc), data = dat, method = "DL", control = ctrl),
                                  cbind(at, mean(X[, 3]), mean(X[, 4])))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "metareg.metafor.json")
