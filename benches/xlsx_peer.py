#!/usr/bin/env python3
"""Peer for the XLSX measurement: openpyxl in read-only mode reading every
cell value of every sheet. Usage: xlsx_peer.py FILE..."""
import sys

from openpyxl import load_workbook

cells = 0
for path in sys.argv[1:]:
    wb = load_workbook(path, read_only=True, data_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            cells += sum(1 for v in row if v is not None)
    wb.close()
print(cells)
