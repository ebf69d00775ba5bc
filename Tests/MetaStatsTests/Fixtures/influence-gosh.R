# Influence diagnostics and GOSH reference numbers from R 4.2 / metafor 3.8-1, metafor's default
# convergence (as metapipe's default `convergence: metafor`).
# influence(): BCG log risk ratios (k = 13) under REML, DL, PM, FE and REML with test = "knha";
# baujat() coordinates for the same fits. gosh(): all 511 subsets of the Normand (1999) mean
# differences (k = 9) under FE, DL, REML and PM, rows in metafor's order (by subset size); and the
# BCG subsets whose REML fit fails in gosh() (as masks).
# Run from this folder: Rscript influence-gosh.R (writes influence-gosh.metafor.json)
suppressMessages(library(metafor))
library(jsonlite)
bcg <- read.csv("bcg.csv")
dat <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)
out <- list(bcg = list(yi = c(dat$yi), vi = c(dat$vi)))
infl <- function(r) {
  i <- influence(r)
  b <- baujat(r)
  list(rstudent = i$inf$rstudent, dffits = i$inf$dffits, cooks_distance = i$inf$cook.d,
       cov_ratio = i$inf$cov.r, tau2_deleted = i$inf$tau2.del, q_deleted = i$inf$QE.del,
       hat = i$inf$hat, weight = i$inf$weight, dfbetas = i$dfbs$intrcpt,
       influential = i$is.infl, baujat_x = b$x, baujat_y = b$y)
}
pdf(NULL)
for (m in c("REML", "DL", "PM", "FE")) out$bcg[[m]] <- infl(rma(yi, vi, data = dat, method = m))
out$bcg$REML_knha <- infl(rma(yi, vi, data = dat, method = "REML", test = "knha"))
out$bcg$DL_knha <- infl(rma(yi, vi, data = dat, method = "DL", test = "knha"))
g <- gosh(rma(yi, vi, data = dat, method = "REML"), progbar = FALSE)
out$bcg$gosh_REML_failed <- as.vector(g$incl[!g$fit, , drop = FALSE] %*% 2^(seq_len(ncol(g$incl)) - 1))
out$bcg$gosh_REML_count <- nrow(g$res)

norm <- read.csv("normand1999.csv")
nd <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = norm)
out$normand = list(yi = c(nd$yi), vi = c(nd$vi))
for (m in c("FE", "DL", "REML", "PM")) {
  g <- gosh(rma(yi, vi, data = nd, method = m), progbar = FALSE)
  # The subsets as masks: study j (1-based) contributes 2^(j-1).
  mask <- as.vector(g$incl %*% 2^(seq_len(ncol(g$incl)) - 1))
  out$normand[[paste0("gosh_", m)]] <- list(k = g$res$k, estimate = g$res$estimate, i2 = g$res$I2,
                                             tau2 = g$res$tau2, q = g$res$QE, mask = mask)
  out$normand[[paste0("influence_", m)]] <- infl(rma(yi, vi, data = nd, method = m))
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), "influence-gosh.metafor.json")
