#!/usr/bin/env python3
"""Package-to-package dependencies of the Java sources, checked against the intended layering.

Reads every .java file under the source roots (default: both modules' src/main/java), takes the package each one
declares, and collects the org.tarflow packages it depends on:

  import     an import or static import of another org.tarflow package (wildcards included);
  qualified  a fully qualified name (org.tarflow.x.Y) in the code, outside comments and strings;
  doc        a fully qualified name in a comment (Javadoc {@link org.tarflow.x.Y} and the like):
             not a compile-time dependency, but javadoc resolves it, so it is reported too.

A package's layer is its first name after org.tarflow (org.tarflow.io.foo counts as io). It prints
every edge with the classes that make it, flags an edge whose target comes later in the order than
its source ("UPWARD"), an edge to or from a package missing from the order ("UNLISTED"), and every
cycle among the packages (strongly connected components of the import and qualified edges). The exit
status is 1 when anything is flagged, else 0.

Usage: python3 tools/package_imports.py [--root DIR ...] [--order tensor,nn,...]   (run from the project root)
"""

import argparse
import os
import re
import sys
from collections import defaultdict

DEFAULT_ORDER = "tensor,nn,flow,io,data,train,eval,boltzmann,conformance,cli"
BASE = "org.tarflow"

PACKAGE_RE = re.compile(r"^\s*package\s+([\w.]+)\s*;", re.M)
IMPORT_RE = re.compile(r"^\s*import\s+(static\s+)?([\w.]+(?:\.\*)?)\s*;", re.M)
QUALIFIED_RE = re.compile(r"\borg\s*\.\s*tarflow\s*\.\s*([a-z_]\w*)\b")


def split_code_and_comments(text):
    """Returns (code, comments): the source with comments and string/char literals blanked, and the
    comments' text. Handles //, /* */, "..." with escapes, text blocks and char literals."""
    code, comments = [], []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            comments.append(text[i:j])
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            comments.append(text[i:j])
            code.append("\n" * text.count("\n", i, j))
            i = j
        elif text.startswith('"""', i):
            j = text.find('"""', i + 3)
            while j > 0 and text[j - 1] == "\\":
                j = text.find('"""', j + 1)
            j = n if j < 0 else j + 3
            code.append('""' + "\n" * text.count("\n", i, j))
            i = j
        elif c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            code.append(c + c)
            i = j + 1
        else:
            code.append(c)
            i += 1
    return "".join(code), "\n".join(comments)


def layer(package):
    """org.tarflow.io.x -> io; None for packages outside org.tarflow (and for org.tarflow itself)."""
    if not package.startswith(BASE + "."):
        return None
    return package[len(BASE) + 1:].split(".")[0]


def scan(root):
    """{(source layer, target layer): {kind: set of importing classes}}"""
    edges = defaultdict(lambda: defaultdict(set))
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(".java"):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            code, comments = split_code_and_comments(text)
            m = PACKAGE_RE.search(code)
            src = layer(m.group(1)) if m else None
            if src is None:
                continue
            cls = name[:-len(".java")]
            body = code
            for imp in IMPORT_RE.finditer(code):
                dst = layer(imp.group(2))
                if dst is not None and dst != src:
                    edges[(src, dst)]["import"].add(cls)
            body = IMPORT_RE.sub("", PACKAGE_RE.sub("", body))
            for q in QUALIFIED_RE.finditer(body):
                if q.group(1) != src:
                    edges[(src, q.group(1))]["qualified"].add(cls)
            for q in QUALIFIED_RE.finditer(comments):
                if q.group(1) != src:
                    edges[(src, q.group(1))]["doc"].add(cls)
    return edges


def cycles(nodes, succ):
    """Strongly connected components with more than one package (Tarjan), each sorted."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(succ[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", nargs="+", default=["tarflow-core/src/main/java", "tarflow-cli/src/main/java"],
                    help="source roots (default: tarflow-core/src/main/java tarflow-cli/src/main/java)")
    ap.add_argument("--order", default=DEFAULT_ORDER, help="layers, lowest first (default " + DEFAULT_ORDER + ")")
    args = ap.parse_args()
    for root in args.root:
        if not os.path.isdir(root):
            sys.exit("no source root " + root + " (run from the project root, or pass --root)")
    order = [p.strip() for p in args.order.split(",") if p.strip()]
    rank = {p: i for i, p in enumerate(order)}
    edges = defaultdict(lambda: defaultdict(set))
    for root in args.root:
        for edge, kinds in scan(root).items():
            for kind, classes in kinds.items():
                edges[edge][kind] |= classes

    def sort_key(e):
        return (rank.get(e[0], len(order)), e[0], rank.get(e[1], len(order)), e[1])

    print("order (a package may depend only on packages before it): " + " < ".join(order))
    print()
    flagged = []
    width = max((len(a) + len(b) for a, b in edges), default=0) + 4
    for (src, dst) in sorted(edges, key=sort_key):
        kinds = edges[(src, dst)]
        if src not in rank or dst not in rank:
            flag = "UNLISTED"
        elif rank[dst] > rank[src]:
            flag = "UPWARD"
        else:
            flag = "ok"
        code_kinds = [k for k in ("import", "qualified") if k in kinds]
        if flag != "ok" and code_kinds:
            flagged.append((src, dst, flag))
        elif flag != "ok":
            flag += " (doc only)"
            flagged.append((src, dst, flag))
        detail = "; ".join(k + ": " + ", ".join(sorted(kinds[k])) for k in ("import", "qualified", "doc") if k in kinds)
        print(f"{src + ' -> ' + dst:<{width}} {flag:<18} {detail}")

    succ = defaultdict(set)
    nodes = set()
    for (src, dst), kinds in edges.items():
        nodes.update((src, dst))
        if "import" in kinds or "qualified" in kinds:
            succ[src].add(dst)
    found = cycles(nodes, succ)
    print()
    for comp in found:
        print("CYCLE among: " + ", ".join(comp))
    print(f"{len(edges)} edges; {len(flagged)} against the order; {len(found)} cycles")
    return 1 if flagged or found else 0


if __name__ == "__main__":
    sys.exit(main())
