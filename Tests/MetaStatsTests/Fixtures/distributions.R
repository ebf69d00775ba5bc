# Reference values for MetaStats' distribution functions, written by R's own
# pnorm/qnorm/pt/qt/pchisq/qchisq. Run from this folder: Rscript distributions.R
# Output: distributions.csv (function, a, b, lower_tail, value), values to 17 significant digits.
rows <- list()
add <- function(fn, a, b, lower, value) rows[[length(rows) + 1]] <<- data.frame(fn = fn, a = a, b = b, lower = lower, value = value)
xs <- c(-38, -30, -20, -12, -10.6246525010465, -8, -5, -3.5, -2, -1.959963984540054, -1, -0.5, -1e-3, 0, 1e-3, 0.25, 0.5, 1, 1.5, 2, 3, 5, 8)
for (x in xs) { add("pnorm", x, NA, TRUE, pnorm(x)); add("pnorm", x, NA, FALSE, pnorm(x, lower.tail = FALSE)) }
ps <- c(1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 1e-3, 0.01, 0.025, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.975, 0.99, 0.999, 1 - 1e-10)
for (p in ps) { add("qnorm", p, NA, TRUE, qnorm(p)); add("qnorm", p, NA, FALSE, qnorm(p, lower.tail = FALSE)) }
dfs <- c(1, 2, 3, 4, 5, 7.5, 8, 10, 12, 18, 30, 36, 100, 1000, 1e5)
ts <- c(-40, -10, -3.95202294946609, -2, -0.3, 0, 0.3, 1, 2.178813, 3, 10, 40)
for (df in dfs) for (t in ts) { add("pt", t, df, TRUE, pt(t, df)); add("pt", t, df, FALSE, pt(t, df, lower.tail = FALSE)) }
tps <- c(1e-12, 1e-6, 0.001, 0.025, 0.05, 0.2, 0.5, 0.8, 0.975, 0.999)
for (df in dfs) for (p in tps) { add("qt", p, df, TRUE, qt(p, df)); add("qt", p, df, FALSE, qt(p, df, lower.tail = FALSE)) }
cdfs <- c(1, 2, 3, 4, 8, 12, 18, 36, 100, 1000, 1e5)
for (df in cdfs) for (m in c(1e-4, 0.01, 0.2, 0.7, 1, 1.3, 2, 4, 10, 30)) {
  x <- m * df
  add("pchisq", x, df, TRUE, pchisq(x, df)); add("pchisq", x, df, FALSE, pchisq(x, df, lower.tail = FALSE))
}
add("pchisq", 276.473712704485, 12, FALSE, pchisq(276.473712704485, 12, lower.tail = FALSE))
add("pchisq", 152.233008082373, 12, FALSE, pchisq(152.233008082373, 12, lower.tail = FALSE))
for (df in cdfs) for (p in c(1e-10, 1e-4, 0.01, 0.025, 0.05, 0.5, 0.95, 0.975, 0.99, 0.9999)) {
  add("qchisq", p, df, TRUE, qchisq(p, df)); add("qchisq", p, df, FALSE, qchisq(p, df, lower.tail = FALSE))
}
out <- do.call(rbind, rows)
out$a <- sprintf("%.17g", out$a); out$b <- ifelse(is.na(out$b), "", sprintf("%.17g", out$b)); out$value <- sprintf("%.17g", out$value)
write.csv(out, "distributions.csv", row.names = FALSE, quote = FALSE)
cat(R.version.string, "\n")
