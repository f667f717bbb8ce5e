"""The house rules a maintainer relies on, checked over the source (run by `.ci/run`; exits 1 naming each breach):

1. imports:  no circle among digitclf's modules (every `import` counts, also those inside functions; the package
             `__init__` is left out: Python imports it before any submodule, so it cannot close a circle by itself);
2. cells:    no `#| export` cell longer than 30 lines;
3. docs:     every function and class a module exports has a one-line docstring (at most 120 characters) and a
             docment (`arg:type, # what it is`) for every argument;
4. api:      every function and class a module exports has a `show_doc(name)` in the notebook the module comes from.

`python tools/check_house.py [imports|cells|docs|api ...]` runs the named checks (default: all).
"""
from __future__ import annotations
import ast, importlib, inspect, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG, NBS = ROOT/'digitclf', ROOT/'nbs'
MAX_LINES, MAX_DOC = 30, 120

def modules():
    "The package's modules (not `__init__`, not nbdev's `_modidx`), by name."
    return sorted(p.stem for p in PKG.glob('*.py') if p.stem not in ('__init__', '_modidx'))

def _imported(path):
    "The digitclf modules that the module at `path` imports, anywhere in its code."
    out, names = set(), set(modules())
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ''
            if node.level == 1 or mod == 'digitclf' or mod.startswith('digitclf.'):
                base = mod[len('digitclf'):].lstrip('.') if node.level == 0 else mod
                if base: out.add(base.split('.')[0])
                else: out |= {a.name for a in node.names if a.name in names}   # from . import x / from digitclf import x
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith('digitclf.'): out.add(a.name.split('.')[1])
    return {m for m in out if m in names and m != path.stem}

def import_cycles():
    "Each circle in the import graph, as a list of module names that ends where it starts."
    graph = {m: _imported(PKG/f'{m}.py') for m in modules()}
    cycles, state = [], {}
    def visit(m, stack):
        state[m] = 'open'
        for n in sorted(graph[m]):
            if state.get(n) == 'open': cycles.append(stack[stack.index(n):] + [n])
            elif n not in state: visit(n, stack + [n])
        state[m] = 'done'
    for m in graph:
        if m not in state: visit(m, [m])
    return graph, cycles

def notebooks():
    return sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith(('_', '.')))

def long_cells():
    "(notebook, cell index, lines) of each export cell over MAX_LINES lines."
    out = []
    for nb in notebooks():
        for i, c in enumerate(json.loads(nb.read_text(encoding='utf-8'))['cells']):
            src = ''.join(c['source'])
            if c['cell_type'] == 'code' and re.search(r'^#\|\s*export', src, re.M) and len(src.splitlines()) > MAX_LINES:
                out.append((nb.name, i, len(src.splitlines())))
    return out

def _source_notebook(mod):
    m = re.search(r'File to edit: \.\./nbs/(\S+\.ipynb)', (PKG/f'{mod}.py').read_text(encoding='utf-8'))
    return NBS/m.group(1) if m else None

def exports():
    "(module, name, object) for every function and class in each module's `__all__`."
    sys.path.insert(0, str(ROOT))
    for mod in modules():
        M = importlib.import_module(f'digitclf.{mod}')
        for name in getattr(M, '__all__', []):
            o = getattr(M, name)
            if inspect.isfunction(o) or inspect.isclass(o): yield mod, name, o

def _params(o):
    f = o.__init__ if inspect.isclass(o) else o
    if inspect.isclass(o) and f is object.__init__: return []
    try: ps = inspect.signature(f).parameters.values()
    except (TypeError, ValueError): return []
    return [p.name for p in ps if p.name != 'self' and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

def doc_problems():
    "One line per export whose docstring or docments are missing."
    from fastcore.docments import docments
    out = []
    for mod, name, o in exports():
        doc = (o.__doc__ or '').strip()
        if not doc: out.append(f'{mod}.{name}: no docstring')
        elif '\n' in doc or len(doc) > MAX_DOC: out.append(f'{mod}.{name}: docstring is not one line of at most {MAX_DOC} characters ({len(doc)})')
        ps = _params(o)
        if ps:
            try: d = docments(o.__init__ if inspect.isclass(o) else o)
            except (OSError, TypeError) as e: out.append(f'{mod}.{name}: cannot read its docments ({e})'); continue
            missing = [p for p in ps if not d.get(p)]
            if missing: out.append(f'{mod}.{name}: no docment for {", ".join(missing)}')
    return out

def api_problems():
    "One line per export with no `show_doc(name)` in its notebook."
    out, text = [], {}
    for mod, name, o in exports():
        nb = _source_notebook(mod)
        if nb is None: continue
        if nb not in text: text[nb] = ''.join(''.join(c['source']) for c in json.loads(nb.read_text(encoding='utf-8'))['cells'] if c['cell_type'] == 'code')
        if not re.search(rf'show_doc\(\s*{re.escape(name)}\b', text[nb]): out.append(f'{nb.name}: no show_doc({name}) for {mod}.{name}')
    return out

def main(argv=None):
    which = (argv if argv is not None else sys.argv[1:]) or ['imports', 'cells', 'docs', 'api']
    bad = []
    if 'imports' in which:
        graph, cycles = import_cycles()
        bad += [f'import circle: {" -> ".join(c)}' for c in cycles]
        print(f'imports: {sum(map(len, graph.values()))} imports among {len(graph)} modules, {len(cycles)} circles')
    if 'cells' in which:
        lc = long_cells(); bad += [f'{nb} cell {i}: an export cell of {n} lines (at most {MAX_LINES})' for nb, i, n in lc]
        print(f'cells: {len(lc)} export cells over {MAX_LINES} lines')
    if 'docs' in which:
        dp = doc_problems(); bad += dp; print(f'docs: {len(dp)} problems')
    if 'api' in which:
        ap = api_problems(); bad += ap; print(f'api: {len(ap)} exports without show_doc')
    for b in bad: print('  ' + b)
    return 1 if bad else 0

if __name__ == '__main__': raise SystemExit(main())
