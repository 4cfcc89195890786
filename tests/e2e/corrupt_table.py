#!/usr/bin/env python3
"""Writes results/corrupt-inputs.md from the captured messages of the three front ends.

usage: corrupt_table.py CLI.json NODE.json PAGE.json OUT.md
  CLI.json   corrupt_inputs.py --json      NODE.json  node corrupt_node.mjs DIR
  PAGE.json  node corrupt_page.mjs DIR     (each over the files `dq_golden DIR` writes)
"""
import json
import sys

cli, node, page = (json.load(open(p)) for p in sys.argv[1:4])
by = lambda rows: {r["case"]: r for r in rows}
node_by, page_by = by(node), by(page)
PAGE_NA = {
    "wrong image size": "n/a: the page resizes the drawing to the model's input",
    "NaN pixel": "n/a: canvas pixels are bytes",
    "k ": "n/a: the page fixes k",
    "unknown flag": "n/a: no options in the UI",
    "image index": "n/a",
}
NODE_NOTE = {
    "database from another model (eval)": "(same as search: checked in loadIndex)",
    "wrong image size (encode)": "n/a: no encode in the package (add() checks like search)",
    "NaN pixel (float .npy, encode)": "n/a: no encode in the package (add() checks like search)",
}


def cell(s):
    return s.replace("|", "\\|").replace("\n", " ")


lines = [
    "# Corrupt and wrong inputs across the front ends",
    "",
    "Every message below was captured by running the case (not copied from the tests):",
    "CLI by `tests/e2e/corrupt_inputs.py` (ctest `e2e: corrupt inputs (CLI)`, which also asserts the",
    "exit code, a message substring and no sanitizer report, and runs under ASan + UBSan in",
    "`build/asan`), the Node package (`wasm/dist`) by `tests/e2e/corrupt_node.mjs`, the search page",
    "(Chromium) by `tests/e2e/corrupt_page.mjs`. Inputs are `dq_golden`'s `small` model (28×28, M=4,",
    "K=256) and its 500-item database; \"another model\" is its `k16-f16` model. Node and page errors are",
    "thrown `Error`s / the page's alert text; CLI exit 1 = bad input, 2 = bad usage.",
    "",
    "| case | CLI (exit: stderr) | Node package (`loadIndex` / `index.search`) | page |",
    "| --- | --- | --- | --- |",
]
for r in cli:
    c = r["case"]
    n = node_by.get(c, {}).get("message") or NODE_NOTE.get(c, "n/a")
    p = page_by.get(c, {}).get("message")
    if p is None:
        p = next((v for k, v in PAGE_NA.items() if c.startswith(k)), "n/a")
    lines.append(f"| {cell(c)} | {r['exit']}: `{cell(r['message'])}` | `{cell(n)}` | {cell(p) if p.startswith('n/a') else '`' + cell(p) + '`'} |")
lines += [
    "",
    "Regenerate: `d=$(mktemp -d) && build/native/tests/tools/dq_golden $d && python3 tests/e2e/corrupt_inputs.py",
    "--bin build/native/trainer/deepquan --golden build/native/tests/tools/dq_golden --json cli.json &&",
    "node tests/e2e/corrupt_node.mjs $d > node.json && node tests/e2e/corrupt_page.mjs $d > page.json &&",
    "python3 tests/e2e/corrupt_table.py cli.json node.json page.json results/corrupt-inputs.md`",
    "",
]
open(sys.argv[4], "w").write("\n".join(lines))
