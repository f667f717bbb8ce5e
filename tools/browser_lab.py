#!/usr/bin/env python
"""The draw-a-digit widget (`draw_digit`, nbs/13_use_classifier.ipynb) in a real JupyterLab 4, driven by Chromium.

    python tools/browser_lab.py [--python PY] [--app lab|notebook] [--model DIR] [--expect-ipywidgets 7|8] [--shot PNG] [--timeout S]

It writes a small notebook in a temporary folder (`draw_digit(load_model(DIR))`), starts `jupyter lab` from the
environment of PY (default: the Python running this script) on a free local port, with a token and temporary
config, runtime, data, settings and workspace folders, opens the notebook in Chromium through Playwright, waits
out JupyterLab's kernel race, runs all cells (`--app notebook`: the same in Notebook 7), then:

  - draws a "1" with the mouse: the widget must say "it reads 1 (...)", show ten bars and a non-empty 28×28
    preview, and the kernel's own widget object (read by running code in the notebook's kernel) must hold the
    same message and 784 preview values with ink in them;
  - clears: back to "draw a digit" in the page and in the kernel, preview all zero, no bars' percentages;
  - draws a stroke with touch events (a finger): the kernel must read it too.

DIR defaults to the full-MNIST model `digitclf train` / notebook 13 saved in `data_home()/models/mnist_mlp`;
without one, a net is trained on full MNIST for one epoch (about 5 s) into the temporary folder.
PY's environment needs digitclf, jupyterlab, anywidget and ipywidgets (8, or 7.8 for the API Colab shares);
this script's Python needs Playwright. Chromium is the system one (/usr/bin/chromium, or $DIGITCLF_CHROMIUM);
Playwright's own browser downloads are never used. Anything missing is a failure: exit status 1 and one line
"browser lab: FAILED: <reason>"; exit status 0 only when every check passed. The server is always stopped,
by its process id, and the whole run is bounded by --timeout.
"""
from __future__ import annotations
import argparse, json, os, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

CHROMIUM = os.environ.get('DIGITCLF_CHROMIUM') or shutil.which('chromium') or '/usr/bin/chromium'
CANVAS = '.digitclf-draw .dc-canvas'


class Failed(AssertionError):
    "A check that did not hold, or something the test needs that is missing."


def check(ok, what):
    if not ok: raise Failed(what)
    print(f"  ok  {what}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def cell(src): return dict(cell_type='code', execution_count=None, metadata={}, outputs=[], source=src)


def write_notebook(fn: Path, model_dir: Path):
    nb = dict(nbformat=4, nbformat_minor=5, metadata=dict(kernelspec=dict(name='python3', display_name='Python 3', language='python')),
              cells=[cell("import sys, ipywidgets, anywidget\nprint('env', sys.executable, 'ipywidgets', ipywidgets.__version__, "
                          "'anywidget', anywidget.__version__)"),
                     cell(f"from digitclf.classifier import load_model, draw_digit\nw = draw_digit(load_model({str(model_dir)!r}))\nw")])
    for i, c in enumerate(nb['cells']): c['id'] = f'cell-{i}'
    fn.write_text(json.dumps(nb, indent=1))


PREP_MODEL = r"""
import sys
from pathlib import Path
from digitclf.classifier import load_model
from digitclf.data import data_home
want, fallback = sys.argv[1], Path(sys.argv[2])
if want: load_model(want); print(want); raise SystemExit
saved = data_home()/'models'/'mnist_mlp'
try:
    if '1' in load_model(saved).classes: print(saved); raise SystemExit
except Exception as e:
    if isinstance(e, SystemExit): raise
from digitclf.cli import train
train(data='full', epochs=1, out=fallback, progress=False)
print(fallback)
"""


def prepare_model(py, want, tmp, env) -> Path:
    "The model folder the notebook loads: `want`, the saved full-MNIST model, or one trained now (checked by PY's digitclf)."
    t = time.time()
    r = subprocess.run([py, '-c', PREP_MODEL, want or '', str(tmp/'model')], capture_output=True, text=True, env=env, timeout=300)
    if r.returncode: raise Failed(f"no model for the widget ({py}): {(r.stderr.strip().splitlines() or ['?'])[-1]}")
    d = Path(r.stdout.strip().splitlines()[-1])
    print(f"  ok  model {d} ({'trained now, ' if d == tmp/'model' else ''}{time.time()-t:.1f} s)", flush=True)
    return d


def start_lab(py, app, tmp, port, token, env):
    "Start `jupyter lab` in its own session; its process, and its log file."
    settings = tmp/'lab-settings'
    (settings/'@jupyterlab'/'apputils-extension').mkdir(parents=True)
    (settings/'@jupyterlab'/'apputils-extension'/'notification.jupyterlab-settings').write_text(
        json.dumps({'fetchNews': 'false', 'checkForUpdates': False}))
    env = dict(env, JUPYTER_CONFIG_DIR=str(tmp/'config'), JUPYTER_RUNTIME_DIR=str(tmp/'runtime'), JUPYTER_DATA_DIR=str(tmp/'data'),
               JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(tmp/'workspaces'), IPYTHONDIR=str(tmp/'ipython'))
    log = open(tmp/'lab.log', 'w')
    proc = subprocess.Popen([py, '-m', app, '--allow-root', '--no-browser', f'--port={port}', '--ServerApp.port_retries=0',
                             f'--ServerApp.token={token}', '--ServerApp.ip=127.0.0.1', f'--ServerApp.root_dir={tmp/"nb"}',
                             '--expose-app-in-browser'],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=tmp/'nb', start_new_session=True)
    return proc, tmp/'lab.log'


def stop_lab(proc):
    "Stop the server (and the kernels it started, in its own process group) by its process id."
    if proc is None or proc.poll() is not None: return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try: os.killpg(proc.pid, sig)
        except ProcessLookupError: return
        try: proc.wait(wait); return
        except subprocess.TimeoutExpired: pass


def api(base, token, path):
    with urllib.request.urlopen(f"{base}{path}?token={token}", timeout=5) as r: return json.loads(r.read())


def wait_ready(proc, base, token, log, limit=60):
    t = time.time()
    while time.time() - t < limit:
        if proc.poll() is not None:
            raise Failed(f"the Jupyter server exited with status {proc.returncode}: {(log.read_text().strip().splitlines() or ['?'])[-1]}")
        try: api(base, token, '/api/status'); return time.time() - t
        except OSError: time.sleep(0.2)
    raise Failed(f"the Jupyter server did not answer within {limit} s")


KERNEL_JS = """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return k ? {id: k.id, status: k.status, conn: k.connectionStatus} : null; }"""

EXEC_JS = """async (code) => { const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const f = k.requestExecute({code, store_history: false, silent: false}); let out = '';
  f.onIOPub = m => { const t = m.header.msg_type;
    if (t === 'stream') out += m.content.text;
    else if (t === 'error') out += 'ERROR ' + m.content.ename + ': ' + m.content.evalue + '\\n'; };
  await f.done; return out; }"""

STATE_JS = """() => { const r = document.querySelector('.digitclf-draw'); if (!r) return null;
  const pv = r.querySelector('.dc-preview'), d = pv.getContext('2d').getImageData(0, 0, 28, 28).data;
  let ink = 0; for (let i = 0; i < d.length; i += 4) ink += d[i];
  const rows = [...r.querySelectorAll('.dc-row')];
  return {msg: r.querySelector('.dc-msg').textContent, ink: ink / 255, rows: rows.length,
          pct: rows.filter(x => /%/.test(x.textContent)).length, best: rows.filter(x => x.classList.contains('dc-best')).length}; }"""

KERNEL_STATE = ("import json as _j; print(_j.dumps(dict(message=w.message, n=len(w.preview), ink=float(sum(w.preview)), "
                "probs=len(w.probs), image=len(w.image))))")


def wait_kernel_alone(page, base, token, limit=60):
    "Wait until the page's kernel is the only one on the server, idle and connected, and has stayed so for a second."
    t, since = time.time(), None
    while time.time() - t < limit:
        k = page.evaluate(KERNEL_JS)
        ids = [x['id'] for x in api(base, token, '/api/kernels')]
        good = bool(k) and ids == [k['id']] and k['status'] == 'idle' and k['conn'] == 'connected'
        if good and since is None: since = time.time()
        if not good: since = None
        if since and time.time() - since >= 1: return time.time() - t
        time.sleep(0.2)
    raise Failed(f"the notebook's kernel was not alone, idle and connected within {limit} s (page kernel {k}, server kernels {ids})")


def kernel_state(page):
    out = page.evaluate(EXEC_JS, KERNEL_STATE)
    try: return json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError): raise Failed(f"could not read the kernel's widget: {out.strip()[-300:]!r}") from None


def stroke(page, box, pts):
    "Draw a polyline with the mouse; `pts` in canvas pixels (the canvas is 280 CSS px wide)."
    f = box['width'] / 280
    xy = [(box['x'] + x*f, box['y'] + y*f) for x, y in pts]
    page.mouse.move(*xy[0]); page.mouse.down()
    for p in xy[1:]: page.mouse.move(*p, steps=6)
    page.mouse.up()


def touch_stroke(cdp, box, pts):
    "The same with a finger: touch events, which Chromium turns into pointer events with pointerType 'touch'."
    f = box['width'] / 280
    xy = [(box['x'] + x*f, box['y'] + y*f) for x, y in pts]
    cdp.send('Input.dispatchTouchEvent', {'type': 'touchStart', 'touchPoints': [{'x': xy[0][0], 'y': xy[0][1]}]})
    for (x0, y0), (x1, y1) in zip(xy, xy[1:]):
        for i in range(1, 7):
            cdp.send('Input.dispatchTouchEvent', {'type': 'touchMove', 'touchPoints': [{'x': x0 + (x1-x0)*i/6, 'y': y0 + (y1-y0)*i/6}]})
    cdp.send('Input.dispatchTouchEvent', {'type': 'touchEnd', 'touchPoints': []})


def wait_msg(page, prefix, what, timeout=20):
    try: page.wait_for_function("p => { const m = document.querySelector('.digitclf-draw .dc-msg'); return m && m.textContent.startsWith(p); }",
                                arg=prefix, timeout=timeout*1000)
    except Exception: raise Failed(f"{what}: the widget still says {page.evaluate(STATE_JS)} after {timeout} s") from None


def run(a, tmp):
    py = a.python
    if not (os.path.isfile(py) and os.access(py, os.X_OK)): raise Failed(f"no Python at {py} (give --python the bin/python of the environment to test)")
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    env.setdefault('OMP_NUM_THREADS', '1'); env.setdefault('DIGITCLF_OFFLINE', '1'); env.setdefault('MPLBACKEND', 'Agg')
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        raise Failed(f"no Chromium at {CHROMIUM}: apt-get install -y chromium (or set DIGITCLF_CHROMIUM)")
    try: from playwright.sync_api import sync_playwright
    except ImportError: raise Failed(f"Playwright is not installed for {sys.executable}: pip install playwright (never `playwright install`)") from None
    r = subprocess.run([py, '-c', 'import digitclf, jupyterlab, anywidget, ipywidgets; print(ipywidgets.__version__, jupyterlab.__version__, anywidget.__version__)'],
                       capture_output=True, text=True, env=env, timeout=120)
    if r.returncode: raise Failed(f"{py} lacks what the test needs: {(r.stderr.strip().splitlines() or ['?'])[-1]} "
                                  "(pip install -e . jupyterlab anywidget ipywidgets)")
    ipyw, lab, anyw = r.stdout.split()
    print(f"  ok  {py}: ipywidgets {ipyw}, jupyterlab {lab}, anywidget {anyw}", flush=True)
    if a.expect_ipywidgets and ipyw.split('.')[0] != a.expect_ipywidgets:
        raise Failed(f"{py} has ipywidgets {ipyw}, not {a.expect_ipywidgets}.x as --expect-ipywidgets asks")
    model = prepare_model(py, a.model, tmp, env)
    (tmp/'nb').mkdir()
    write_notebook(tmp/'nb'/'draw.ipynb', model)
    port, token = free_port(), os.urandom(16).hex()
    base = f'http://127.0.0.1:{port}'
    proc, name = None, 'jupyter lab' if a.app == 'lab' else 'jupyter notebook'
    shot = Path(a.shot) if a.shot else Path(tempfile.gettempdir())/f'digitclf-browser-lab-{a.app}-ipywidgets{ipyw.split(".")[0]}.png'
    try:
        proc, log = start_lab(py, 'jupyterlab' if a.app == 'lab' else 'notebook', tmp, port, token, env)
        check(True, f"{name} (pid {proc.pid}) answers on port {port} after {wait_ready(proc, base, token, log):.1f} s")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox'])
            ctx = browser.new_context(viewport={'width': 1200, 'height': 900}, has_touch=True)
            page = ctx.new_page()
            errors = []
            first = lambda t: (t.strip().splitlines() or [''])[0][:200]                      # one line per error, no stack
            page.on('pageerror', lambda e: errors.append(first(str(e))))
            page.on('console', lambda m: errors.append(first(m.text)) if m.type == 'error' else None)
            try:
                page.goto(f'{base}/lab/tree/draw.ipynb?token={token}&reset' if a.app == 'lab' else f'{base}/notebooks/draw.ipynb?token={token}', timeout=60_000)
                page.wait_for_selector('.jp-Notebook', timeout=60_000)
                check(True, f"kernel alone, idle and connected after {wait_kernel_alone(page, base, token):.1f} s")
                page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
                try: page.wait_for_selector(CANVAS, state='visible', timeout=60_000)
                except Exception:
                    outs = page.evaluate("() => [...document.querySelectorAll('.jp-OutputArea-output')].map(o => o.innerText).join(' | ')")
                    raise Failed(f"no drawing canvas appeared within 60 s; outputs: {outs[-400:]!r}; page errors: {errors[-3:]}") from None
                env_line = page.evaluate(EXEC_JS, "import sys, ipywidgets; print(sys.executable, ipywidgets.__version__)").strip()
                check(env_line.split()[-1] == ipyw, f"the notebook's kernel runs {env_line}")
                s = page.evaluate(STATE_JS)
                check(s['msg'] == 'draw a digit' and s['ink'] == 0 and s['rows'] == 10 and s['pct'] == 0,
                      f"fresh widget: 'draw a digit', empty preview, 10 classes without bars ({s})")
                box = page.locator(CANVAS).bounding_box()
                check(box and box['width'] > 100, f"canvas on the page at {box}")

                stroke(page, box, [(150, 45), (145, 140), (140, 235)])                     # a "1"
                t = time.time()
                wait_msg(page, 'it reads', 'mouse stroke')
                dt = time.time() - t
                s, k = page.evaluate(STATE_JS), kernel_state(page)
                check(s['msg'].startswith('it reads 1 '), f"the page says {s['msg']!r} (seen {dt*1000:.0f} ms after the pen lifted)")
                check(s['pct'] == 10 and s['best'] == 1 and s['ink'] > 20, f"ten bars, one best, 28×28 preview with ink ({s['ink']:.1f})")
                check(k['message'] == s['msg'] and k['n'] == 784 and k['ink'] > 20 and k['probs'] == 10 and k['image'] > 100,
                      f"the kernel's widget holds the same: {k}")
                page.screenshot(path=str(shot))

                page.click('.digitclf-draw .dc-clear')
                wait_msg(page, 'draw a digit', 'clear')
                page.wait_for_function("() => { const d = document.querySelector('.digitclf-draw .dc-preview').getContext('2d')"
                                       ".getImageData(0, 0, 28, 28).data; return d.every((v, i) => i % 4 == 3 || v == 0); }", timeout=10_000)
                s, k = page.evaluate(STATE_JS), kernel_state(page)
                check(s['ink'] == 0 and s['pct'] == 0 and k == dict(message='draw a digit', n=784, ink=0.0, probs=0, image=0),
                      f"clear: page {s}, kernel {k}")

                page.evaluate("sel => { window.__dcPointers = []; document.querySelector(sel).addEventListener('pointerdown', "
                              "e => window.__dcPointers.push(e.pointerType)); }", CANVAS)
                touch_stroke(ctx.new_cdp_session(page), box, [(150, 45), (145, 140), (140, 235)])
                wait_msg(page, 'it reads', 'touch stroke')
                s, k, kinds = page.evaluate(STATE_JS), kernel_state(page), page.evaluate("() => window.__dcPointers")
                check(kinds == ['touch'] and k['message'] == s['msg'] and k['ink'] > 20 and s['ink'] > 20,
                      f"a finger's stroke (pointerType {kinds}) reaches the kernel too: {s['msg']!r}")
                stray = [e for e in errors if 'digitclf' in e.lower() or 'anywidget' in e.lower() or 'widget' in e.lower()]
                hint = ' (ipywidgets 7 in JupyterLab 4 needs jupyterlab_widgets<3)' if any('@jupyter-widgets/base' in e for e in stray) else ''
                check(not stray, f"no widget errors in the browser console{': ' + repr(stray[:2]) + hint if stray else ''}")
            except Exception:
                try: page.screenshot(path=str(shot)); print(f"  (screenshot of the failure: {shot})", flush=True)
                except Exception: pass
                if errors: print(f"  (browser console errors: {errors[-5:]})", flush=True)
                raise
            finally: browser.close()
        print(f"  screenshot: {shot}", flush=True)
        return ipyw
    finally:
        stop_lab(proc)
        if proc is not None: print(f"  {name} (pid {proc.pid}) stopped, exit status {proc.returncode}", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--python', default=sys.executable, help="the environment's Python that runs jupyter lab and the kernel (default: this one)")
    ap.add_argument('--app', choices=['lab', 'notebook'], default='lab', help='JupyterLab 4 (default) or Notebook 7')
    ap.add_argument('--model', default=None, help='model folder for the widget (default: the saved full-MNIST model, else train one)')
    ap.add_argument('--expect-ipywidgets', choices=['7', '8'], default=None, help='fail unless that environment has this ipywidgets major version')
    ap.add_argument('--shot', default=None, help='where to write the screenshot (default: $TMPDIR/digitclf-browser-lab-APP-ipywidgetsN.png)')
    ap.add_argument('--timeout', type=int, default=180, help='the whole test, in seconds (default 180)')
    ap.add_argument('--keep', action='store_true', help='keep the temporary folder (notebook, server log)')
    a = ap.parse_args(argv)
    a.python = os.path.abspath(a.python) if os.sep in a.python else (shutil.which(a.python) or a.python)   # not resolved: a venv's python is a link
    t0 = time.time()
    def alarm(*_): raise Failed(f"the test took longer than --timeout {a.timeout} s")
    signal.signal(signal.SIGALRM, alarm); signal.alarm(a.timeout)
    tmp = Path(tempfile.mkdtemp(prefix='digitclf-browser-lab.'))
    print(f"browser lab: draw_digit in a real {'JupyterLab 4' if a.app == 'lab' else 'Notebook 7'} ({a.python})", flush=True)
    try:
        ipyw = run(a, tmp)
    except Failed as e:
        signal.alarm(0)
        log = tmp/'lab.log'
        if log.exists(): print('  (last lines of the Jupyter server log:)\n    ' + '\n    '.join(log.read_text().splitlines()[-8:]))
        print(f"browser lab: FAILED: {e}", flush=True); return 1
    except Exception as e:
        signal.alarm(0)
        print(f"browser lab: FAILED: {type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}", flush=True); return 1
    finally:
        signal.alarm(0)
        if a.keep: print(f"  kept {tmp}")
        else: shutil.rmtree(tmp, ignore_errors=True)
    print(f"browser lab: passed with ipywidgets {ipyw} in {time.time()-t0:.1f} s", flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
