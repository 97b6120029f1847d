#!/usr/bin/env python3
"""check_layers: the include graph runs one way (README.md, "Layout").

Usage: scripts/check_layers.py [ROOT] [--graph] | --self-test [ROOT]

Reads every #include "..." of sim/, protocols/, viz/ and tests/plugin/, resolves it as the
build does (each folder's include path, below, mirrors its CMakeLists.txt), and fails, naming
the file and the include, on:
  - a cycle between the kernel's modules (sim/core/ and sim/include/; a module is a name.h,
    its name_int.h and its name*.c);
  - an include from sim/core/ or sim/include/ into sim/cli/, sim/bench/, viz/, protocols/ or
    tests/;
  - a public header (sim/include/) that includes anything outside sim/include/ or any GSL
    header;
  - an include from protocols/ or tests/plugin/ outside sim/include/ and protocols/ (the
    plugin: sim/include/ only), or one that does not resolve there (a kernel header).
--graph prints the kernel's module graph. --self-test copies the sources to a temporary
directory, injects one bad include of each kind, and checks that each is reported (exit 0 when
every injection is caught and the clean tree passes).
"""
import os
import re
import shutil
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
KERNEL = ("sim/core", "sim/include")
FORBIDDEN_FROM_KERNEL = ("sim/cli", "sim/bench", "viz", "protocols", "tests")


def search_path(rel):
    """The directories a quoted include of file `rel` is looked up in, in order (after the
    file's own directory), as the build gives them."""
    core = ["sim/core", "sim/include", "sim/lincheck", "sim"]
    if rel.startswith("sim/include/"):
        return ["sim/include"]
    if rel.startswith("sim/core/"):
        return core
    if rel.startswith("sim/lincheck/"):
        return ["sim/lincheck", "sim", "sim/include"]
    if rel.startswith(("sim/cli/", "sim/bench/")):
        return core + ["protocols", "."]
    if rel.startswith("viz/"):
        return ["."] + core
    if rel.startswith("protocols/"):
        return ["protocols", "sim/include"]
    if rel.startswith("tests/plugin/"):
        return ["sim/include"]
    return core


def sources(root):
    out = []
    for top in ("sim", "protocols", "viz", "tests/plugin"):
        base = os.path.join(root, top)
        for d, _, files in os.walk(base):
            for f in files:
                if f.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/"))
    return sorted(out)


def resolve(root, rel, name):
    here = os.path.dirname(rel)
    for d in [here] + search_path(rel):
        p = os.path.normpath(os.path.join(d, name)).replace(os.sep, "/")
        if os.path.isfile(os.path.join(root, p)):
            return p
    return None


def under(path, dirs):
    return any(path == d or path.startswith(d + "/") for d in dirs)


def module_of(rel, header_stems):
    """sim/core/node_int.h -> core/node; sim/core/scenario_values.c -> core/scenario."""
    d, f = os.path.split(rel)
    stem = f.rsplit(".", 1)[0]
    if stem.endswith("_int"):
        stem = stem[: -len("_int")]
    folder = d.split("/")[-1]
    if f.endswith(".c") and stem not in header_stems.get(folder, ()):
        best = ""
        for h in header_stems.get(folder, ()):
            if stem.startswith(h + "_") and len(h) > len(best):
                best = h
        stem = best or stem
    return folder + "/" + stem


def check(root, graph=False):
    files = sources(root)
    errors = []
    header_stems = {}
    for rel in files:
        if under(rel, KERNEL) and rel.endswith(".h"):
            folder = rel.split("/")[1]
            stem = os.path.basename(rel)[:-2]
            header_stems.setdefault(folder, set()).add(stem[:-4] if stem.endswith("_int") else stem)
    edges = {}  # module -> {module: (file, include)}
    for rel in files:
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for m in INCLUDE.finditer(text):
            kind, name = m.group(1), m.group(2)
            line = text.count("\n", 0, m.start()) + 1
            where = "%s:%d: #include %s%s%s" % (rel, line, kind, name, '"' if kind == '"' else ">")
            if kind == "<":
                if rel.startswith("sim/include/") and name.startswith("gsl/"):
                    errors.append("%s: a public header includes GSL" % where)
                continue
            target = resolve(root, rel, name)
            if rel.startswith(("protocols/", "tests/plugin/")):
                allowed = ["sim/include", "protocols"] if rel.startswith("protocols/") \
                    else ["sim/include", "tests/plugin"]
                if target is None:
                    errors.append("%s: not in %s/ (a protocol sees only the public API)"
                                  % (where, "/ or ".join(allowed)))
                elif not under(target, allowed):
                    errors.append("%s: reaches %s, outside %s/" % (where, target,
                                                                  "/ and ".join(allowed)))
                continue
            if not under(rel, KERNEL):
                continue
            if target is None:
                errors.append("%s: does not resolve in the kernel's include path" % where)
                continue
            if under(target, FORBIDDEN_FROM_KERNEL):
                errors.append("%s: the kernel reaches %s (core never includes cli, bench, viz, "
                              "protocols or tests)" % (where, target))
                continue
            if rel.startswith("sim/include/") and not target.startswith("sim/include/"):
                errors.append("%s: a public header reaches %s, outside sim/include/"
                              % (where, target))
                continue
            if not under(target, KERNEL):
                continue
            a, b = module_of(rel, header_stems), module_of(target, header_stems)
            if a != b:
                edges.setdefault(a, {}).setdefault(b, (rel, line, name))
            edges.setdefault(b, {})
    errors += cycles(edges)
    if graph:
        for a in sorted(edges):
            print("%-18s -> %s" % (a, " ".join(sorted(edges[a])) or "(nothing)"))
    return errors, len(files), len(edges)


def cycles(edges):
    """One message per strongly connected component of more than one module, naming a cycle
    through it edge by edge (Tarjan's algorithm, iterative order over sorted names)."""
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            strong(v)
    out = []
    for comp in comps:
        members = set(comp)
        # A shortest cycle through the component's first module (breadth-first).
        start, prev, queue, found = comp[0], {comp[0]: None}, [comp[0]], None
        while queue and found is None:
            v = queue.pop(0)
            for w in sorted(edges[v]):
                if w == start:
                    found = v
                    break
                if w in members and w not in prev:
                    prev[w] = v
                    queue.append(w)
        path = [start]
        v = found
        while v is not None and v != start:
            path.insert(1, v)
            v = prev[v]
        path.append(start)
        steps = ["%s (%s:%d includes \"%s\")" % (path[i], *edges[path[i]][path[i + 1]])
                 for i in range(len(path) - 1)]
        out.append("cycle between kernel modules: %s -> %s" % (" -> ".join(steps), start))
    return out


def self_test(root):
    """Each injection is (file, text appended, what the report must contain)."""
    injections = [
        ("sim/core/node.c", '#include "world.h"\n',
         "cycle between kernel modules"),
        ("sim/core/net.c", '#include "../cli/cli.h"\n',
         'sim/core/net.c:%d: #include "../cli/cli.h": the kernel reaches sim/cli/cli.h'),
        ("sim/core/trace.c", '#include "../../protocols/raft/raft.h"\n',
         "the kernel reaches protocols/raft/raft.h"),
        ("sim/include/rng.h", "#include <gsl/gsl_rng.h>\n", "a public header includes GSL"),
        ("sim/include/op.h", '#include "../core/net.h"\n',
         "a public header reaches sim/core/net.h, outside sim/include/"),
        ("protocols/raft/raft.c", '#include "scheduler.h"\n',
         '#include "scheduler.h": not in sim/include/ or protocols/'),
        ("protocols/skeleton/skeleton.c", '#include "../../sim/core/world.h"\n',
         "reaches sim/core/world.h, outside sim/include/ and protocols/"),
        ("tests/plugin/lab_protocol.c", '#include "world.h"\n',
         '#include "world.h": not in sim/include/ or tests/plugin/'),
    ]
    failures = 0
    with tempfile.TemporaryDirectory(prefix="check-layers.") as tmp:
        for rel in sources(root):
            dst = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(os.path.join(root, rel), dst)
        errors, _, _ = check(tmp)
        if errors:
            print("self-test: the clean tree fails:\n  " + "\n  ".join(errors))
            return 1
        for rel, text, expected in injections:
            path = os.path.join(tmp, rel)
            with open(path, encoding="utf-8") as fh:
                original = fh.read()
            line = original.count("\n") + 1
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(original + text)
            errors, _, _ = check(tmp)
            want = expected % line if "%d" in expected else expected
            if not any(want in e for e in errors):
                print("self-test: %s + %s not caught (expected %r); got:\n  %s"
                      % (rel, text.strip(), want, "\n  ".join(errors) or "(no error)"))
                failures += 1
            else:
                print("self-test: caught %s + %s: %s" % (rel, text.strip(),
                                                         next(e for e in errors if want in e)))
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(original)
    return 1 if failures else 0


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    root = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), ".."))
    if "--self-test" in argv:
        return self_test(root)
    errors, n_files, n_modules = check(root, graph="--graph" in argv)
    for e in errors:
        print("layers: " + e)
    if errors:
        return 1
    print("layers: %d files, %d kernel modules, no cycle, no include against the layers"
          % (n_files, n_modules))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
