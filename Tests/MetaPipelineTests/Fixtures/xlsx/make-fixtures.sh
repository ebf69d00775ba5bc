#!/bin/sh
# The .xlsx fixtures are written by LibreOffice Calc from the flat-ODS spreadsheets beside them
# (Debian: apt-get install -y libreoffice-calc-nogui). Run from this folder: sh make-fixtures.sh
# extraction.fods: sheet "Outcomes" (text, numbers, dates, booleans, empty cells, an "NR") and sheet "Notes".
# merged.fods: a sheet whose header cells A1:B1 are merged.
set -e
soffice --headless --convert-to xlsx extraction.fods merged.fods
