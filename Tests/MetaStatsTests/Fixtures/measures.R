# Reference numbers for the correlation, proportion, incidence-rate, ratio-of-means and pre-post
# measures, from R 4.2 / metafor 3.8-1 (escalc, rma, predict with transf).
# Run from this folder: Rscript measures.R  (writes measures.metafor.json)
suppressMessages(library(metafor))
library(jsonlite)
out <- list()
fit <- function(dat, transf = NULL, targs = NULL) {
  r <- rma(yi, vi, data = dat, method = "REML")
  p <- if (is.null(transf)) predict(r) else predict(r, transf = transf, targs = targs)
  l <- list(estimate = c(r$beta), se = r$se, tau2 = r$tau2, i2 = r$I2, q = r$QE)
  if (!is.null(transf)) l$back <- list(estimate = p$pred, ci_lower = p$ci.lb, ci_upper = p$ci.ub,
                                       pi_lower = p$pi.lb, pi_upper = p$pi.ub)
  l
}
put <- function(name, measure, input, dat, transf = NULL, targs = NULL) {
  out[[name]] <<- c(list(measure = measure, input = input, yi = c(dat$yi), vi = c(dat$vi)),
                    list(fit = fit(dat, transf, targs)))
}

m <- dat.molloy2014
in_cor <- list(study = paste(m$authors, m$year), r = m$ri, n = m$ni)
put("molloy_COR", "COR", in_cor, escalc("COR", ri = ri, ni = ni, data = m))
put("molloy_ZCOR", "ZCOR", in_cor, escalc("ZCOR", ri = ri, ni = ni, data = m), transf.ztor)

p <- dat.pritz1997
in_pr <- list(study = p$authors, events = p$xi, total = p$ni)
put("pritz_PR", "PR", in_pr, escalc("PR", xi = xi, ni = ni, data = p))
put("pritz_PLO", "PLO", in_pr, escalc("PLO", xi = xi, ni = ni, data = p), transf.ilogit)
put("pritz_PFT", "PFT", in_pr, escalc("PFT", xi = xi, ni = ni, data = p), transf.ipft.hm, list(ni = p$ni))
# zero and full cells: 0.5 added to x and n − x (PR, PLO), nothing added for PFT
z <- data.frame(study = c("a", "b", "c", "d"), xi = c(0, 12, 3, 7), ni = c(20, 12, 15, 30))
in_z <- list(study = z$study, events = z$xi, total = z$ni)
put("zero_PR", "PR", in_z, escalc("PR", xi = xi, ni = ni, data = z))
put("zero_PLO", "PLO", in_z, escalc("PLO", xi = xi, ni = ni, data = z), transf.ilogit)
put("zero_PFT", "PFT", in_z, escalc("PFT", xi = xi, ni = ni, data = z), transf.ipft.hm, list(ni = z$ni))

h <- dat.hart1999
in_ir <- list(study = h$study, events1 = h$x1i, time1 = h$t1i, events2 = h$x2i, time2 = h$t2i)
put("hart_IRR", "IRR", in_ir, escalc("IRR", x1i = x1i, t1i = t1i, x2i = x2i, t2i = t2i, data = h), exp)
put("hart_IRD", "IRD", in_ir, escalc("IRD", x1i = x1i, t1i = t1i, x2i = x2i, t2i = t2i, data = h))
zi <- data.frame(study = c("a", "b", "c", "d"), x1i = c(0, 4, 9, 2), t1i = c(100, 250, 400, 80),
                 x2i = c(3, 0, 14, 5), t2i = c(120, 240, 390, 90))
in_zi <- list(study = zi$study, events1 = zi$x1i, time1 = zi$t1i, events2 = zi$x2i, time2 = zi$t2i)
put("zero_IRR", "IRR", in_zi, escalc("IRR", x1i = x1i, t1i = t1i, x2i = x2i, t2i = t2i, data = zi), exp)
put("zero_IRD", "IRD", in_zi, escalc("IRD", x1i = x1i, t1i = t1i, x2i = x2i, t2i = t2i, data = zi))

c98 <- dat.curtis1998
in_rom <- list(study = paste0("Curtis ", c98$id), n1 = c98$n1i, mean1 = c98$m1i, sd1 = c98$sd1i,
               n2 = c98$n2i, mean2 = c98$m2i, sd2 = c98$sd2i)
put("curtis_ROM", "ROM", in_rom,
    escalc("ROM", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = c98), exp)

# Pre-post: change = post - pre; metafor's m1i = post, m2i = pre, sd1i = sd_post, sd2i = sd_pre (MC, SMCC);
# SMCR standardises by the pre-test SD (sd1i = sd_pre). Studies without r use prepost_r = 0.5.
pp <- data.frame(study = c("Adams 2001", "Baker 2005", "Chen 2010", "Diaz 2014", "Evans 2018", "Ford 2020"),
                 n = c(24, 31, 18, 45, 60, 27),
                 mean_pre = c(30.1, 28.4, 33.0, 29.5, 31.2, 27.9), sd_pre = c(6.2, 5.8, 7.1, 6.6, 5.9, 6.4),
                 mean_post = c(26.3, 25.9, 31.1, 24.8, 29.0, 26.5), sd_post = c(6.0, 6.1, 6.8, 7.0, 6.2, 5.5),
                 r = c(0.62, NA, 0.45, 0.71, NA, 0.55))
prepost_r <- 0.5
ri <- ifelse(is.na(pp$r), prepost_r, pp$r)
in_pp <- list(study = pp$study, n = pp$n, mean_pre = pp$mean_pre, sd_pre = pp$sd_pre,
              mean_post = pp$mean_post, sd_post = pp$sd_post, r = pp$r, prepost_r = prepost_r, r_used = ri)
put("prepost_MC", "MC", in_pp, escalc("MC", m1i = mean_post, m2i = mean_pre, sd1i = sd_post, sd2i = sd_pre, ni = n, ri = ri, data = pp))
put("prepost_SMCC", "SMCC", in_pp, escalc("SMCC", m1i = mean_post, m2i = mean_pre, sd1i = sd_post, sd2i = sd_pre, ni = n, ri = ri, data = pp))
put("prepost_SMCR", "SMCR", in_pp, escalc("SMCR", m1i = mean_post, m2i = mean_pre, sd1i = sd_pre, ni = n, ri = ri, data = pp))
# A paired t statistic with n: the same SMCC as the change score's mean / SD (t = mean / (SD/sqrt(n))).
sdd <- sqrt(pp$sd_pre^2 + pp$sd_post^2 - 2 * ri * pp$sd_pre * pp$sd_post)
tt <- (pp$mean_post - pp$mean_pre) / (sdd / sqrt(pp$n))
put("pairedt_SMCC", "SMCC", list(study = pp$study, n = pp$n, t = tt),
    escalc("SMCC", m1i = mean_post, m2i = mean_pre, sd1i = sd_post, sd2i = sd_pre, ni = n, ri = ri, data = pp))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"), "measures.metafor.json")
