#!/usr/bin/env python
"""Browser tests for digitclf, in a real Chromium driven by Playwright.

    python tools/browser_tests.py [site] [lab] [notebook7] [lab7] [--model DIR] [--shots DIR] [--ipywidgets7-python PYTHON]

site  the draw-a-digit page (`render_draw_page`), opened from file:// and served by `python -m http.server`:
      strokes of a 1, a 7 and a 0 drawn with the mouse must give the 28×28 image Python's `mnist_preprocess`
      gives for the page's own canvas (to 1e-5), the probabilities of the Python model (to 1e-4) and the
      right digits; clear, a blank canvas and a touch stroke work too.

lab   `draw_digit` in a real JupyterLab 4 started on a free local port (tools/browser_lab.py), in this
      environment (ipywidgets 8): draw a 1, the kernel receives it and shows the prediction; clear; touch.
notebook7  the same in Notebook 7.
lab7  the same in JupyterLab 4 in another environment with ipywidgets 7.8 (the 7 API that Colab's 7.7.1 shares).

Chromium is the system one (`/usr/bin/chromium`, or $DIGITCLF_CHROMIUM); Playwright's own browser downloads
are never used. Without Chromium or Playwright the tests fail (exit status 1): they never skip silently.
Exit status 0 only when every check passed.
"""
from __future__ import annotations
import argparse, contextlib, json, os, shutil, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

import numpy as np

CHROMIUM = os.environ.get('DIGITCLF_CHROMIUM') or shutil.which('chromium') or '/usr/bin/chromium'
S = 280                        # the page's canvas, in canvas pixels


class Failed(AssertionError):
    "A browser check that did not hold."


def check(ok, what):
    "Raise `Failed(what)` unless `ok`; print the check otherwise."
    if not ok: raise Failed(what)
    print(f"  ok  {what}")


def need_browser():
    "Chromium and Playwright, or one line saying what is missing and how to get it (exit status 1)."
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        sys.exit(f"browser tests: FAILED: no Chromium at {CHROMIUM}: apt-get install -y chromium (or set DIGITCLF_CHROMIUM)")
    try: import playwright.sync_api  # noqa: F401
    except ImportError: sys.exit("browser tests: FAILED: Playwright is not installed: pip install playwright (never `playwright install`)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


@contextlib.contextmanager
def http_server(folder):
    "Serve `folder` with `python -m http.server` on a free local port; yields its URL; stops it by its process id."
    port = free_port()
    proc = subprocess.Popen([sys.executable, '-m', 'http.server', str(port), '--bind', '127.0.0.1', '--directory', str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f'http://127.0.0.1:{port}/'
        for _ in range(100):
            try: urllib.request.urlopen(url, timeout=1).close(); break
            except OSError: time.sleep(0.05)
        else: raise Failed(f"python -m http.server did not answer on port {port}")
        yield url
    finally:
        proc.terminate()
        try: proc.wait(5)
        except subprocess.TimeoutExpired: proc.kill(); proc.wait()


# Strokes in canvas pixels: a list of strokes, each a list of (x, y) points.
def _ring(cx=140, cy=140, rx=62, ry=95, n=36):
    return [(cx + rx*np.sin(a), cy - ry*np.cos(a)) for a in np.linspace(0, 2*np.pi, n + 1)]

DIGITS = {'1': [[(118, 78), (152, 45), (140, 238)]],
          '7': [[(72, 62), (208, 62), (122, 242)]],
          '0': [_ring()]}

_STATE = """() => { const s = window.digitclf, a = v => v && Array.from(v);
  return {grey: a(s.grey), x28: a(s.x28), probs: a(s.probs), label: s.label, ms: s.ms, workMs: s.workMs, pointer: s.pointer, updates: s.updates,
          answer: document.getElementById('answer').textContent, barsHidden: document.getElementById('bars').hidden}; }"""


def state(page) -> dict:
    "What the page computed last (`window.digitclf`) and what it shows."
    return page.evaluate(_STATE)


def to_page(box, x, y):
    "Canvas pixels to page coordinates."
    return box['x'] + x*box['width']/S, box['y'] + y*box['height']/S


def draw_mouse(page, strokes):
    "Draw `strokes` with the mouse; wait for the page to read the drawing after each one."
    box = page.locator('#pad').bounding_box()
    for st in strokes:
        n = page.evaluate('() => window.digitclf.updates')
        page.mouse.move(*to_page(box, *st[0])); page.mouse.down()
        for p in st[1:]: page.mouse.move(*to_page(box, *p), steps=4)
        page.mouse.up()
        page.wait_for_function('n => window.digitclf.updates > n', arg=n, timeout=5000)


def draw_touch(page, strokes):
    "Draw `strokes` with a finger: real touch input through Chromium's input pipeline (CDP), not synthetic DOM events."
    cdp = page.context.new_cdp_session(page)
    box = page.locator('#pad').bounding_box()
    for st in strokes:
        n = page.evaluate('() => window.digitclf.updates')
        pts = [to_page(box, *st[0])] + [to_page(box, *(np.array(a) + (np.array(b) - np.array(a))*t/4))
                                        for a, b in zip(st, st[1:]) for t in range(1, 5)]
        cdp.send('Input.dispatchTouchEvent', {'type': 'touchStart', 'touchPoints': [{'x': pts[0][0], 'y': pts[0][1]}]})
        for x, y in pts[1:]: cdp.send('Input.dispatchTouchEvent', {'type': 'touchMove', 'touchPoints': [{'x': x, 'y': y}]})
        cdp.send('Input.dispatchTouchEvent', {'type': 'touchEnd', 'touchPoints': []})
        page.wait_for_function('n => window.digitclf.updates > n', arg=n, timeout=5000)
    cdp.detach()


def clear(page):
    n = page.evaluate('() => window.digitclf.updates')
    page.click('#clear')
    page.wait_for_function('n => window.digitclf.updates > n', arg=n, timeout=5000)


def compare(st, clf, digit, where) -> dict:
    "Check the page's 28×28, probabilities and label against Python's on the page's own greyscale canvas."
    import torch
    from digitclf.classifier import mnist_preprocess
    grey = np.array(st['grey'], dtype=np.float64).reshape(S, S)
    x_py = mnist_preprocess(grey)
    check(st['x28'] is not None, f"{where}: the {digit} is read as a digit")
    dx = float(np.abs(np.array(st['x28']).reshape(28, 28) - x_py.numpy()).max())
    check(dx < 1e-5, f"{where}: the {digit}'s 28×28 equals Python's mnist_preprocess of the page's canvas (max difference {dx:.1e})")
    p_py = clf.probs_of(x_py.view(1, 784))[0].numpy()
    dp = float(np.abs(np.array(st['probs']) - p_py).max())
    check(dp < 1e-4, f"{where}: the {digit}'s probabilities equal the Python model's (max difference {dp:.1e})")
    label_py = clf.classes[int(p_py.argmax())]
    check(st['label'] == label_py == digit, f"{where}: the page reads {st['label']!r}, Python {label_py!r}, drawn {digit!r} "
                                           f"({100*p_py.max():.1f}%)")
    check(not st['barsHidden'] and digit in st['answer'], f"{where}: the bars and the answer show it ({st['answer']!r})")
    return dict(dx=dx, dp=dp, ms=st['ms'], work=st['workMs'], where=where)


def check_blank(page, where, after):
    st = state(page)
    white = float(np.min(st['grey'])) > 0.99
    check(st['answer'] == 'draw a digit' and st['barsHidden'] and st['label'] is None and st['probs'] is None and white,
          f"{where}: {after} the canvas is white, the page says 'draw a digit' and shows no bars")


def test_page(browser, url, clf, where, shots) -> list:
    "All the checks on the page at `url`; returns the per-stroke measurements."
    errors = []
    ctx = browser.new_context(viewport={'width': 1000, 'height': 900})
    page = ctx.new_page()
    page.on('pageerror', lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function('() => window.digitclf && window.digitclf.updates >= 1', timeout=10000)
    check_blank(page, where, 'on opening,')
    check(page.evaluate("() => getComputedStyle(document.getElementById('pad')).touchAction") == 'none',
          f"{where}: the canvas has touch-action: none")
    out = []
    for digit, strokes in DIGITS.items():
        clear(page)
        draw_mouse(page, strokes)
        st = state(page)
        out.append(compare(st, clf, digit, f"{where}, mouse"))
        check(st['pointer'] == 'mouse', f"{where}: the stroke came as a mouse pointer")
        if shots: page.screenshot(path=str(Path(shots)/f"draw_{where.split(':')[0]}_{digit}.png"))
    clear(page)
    check_blank(page, where, "after 'clear',")
    check(not errors, f"{where}: no JavaScript errors ({errors})")
    ctx.close()
    ctx = browser.new_context(viewport={'width': 400, 'height': 800}, has_touch=True, is_mobile=True, device_scale_factor=2)
    page = ctx.new_page()
    page.on('pageerror', lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function('() => window.digitclf && window.digitclf.updates >= 1', timeout=10000)
    draw_touch(page, DIGITS['7'])
    st = state(page)
    check(st['pointer'] == 'touch', f"{where}, phone: the stroke came as a touch pointer")
    out.append(compare(st, clf, '7', f"{where}, touch"))
    if shots: page.screenshot(path=str(Path(shots)/f"draw_{where.split(':')[0]}_touch.png"), full_page=True)
    check(not errors, f"{where}, phone: no JavaScript errors ({errors})")
    ctx.close()
    return out


def test_functions(browser, url, clf):
    "The page's own `preprocess` and `forward` on MNIST test digits as a user's pictures would arrive, against Python's."
    import torch
    from digitclf.classifier import mnist_preprocess, png_roundtrip
    from digitclf.data import load_digits, mnist_full
    xs = load_digits(mnist_full())[2][:40]
    pics = [np.asarray(png_roundtrip(x), dtype=np.float64)/255 for x in xs]
    for k in range(24):                      # straight strokes: their centre of mass falls exactly on a rounding tie
        bar = np.ones((280, 280)); r0, c0 = 30 + 3*k, 100 + 5*k
        bar[r0:r0 + 150 + 2*k, c0:c0 + 8 + k % 7] = 0.0
        pics.append(bar)
    page = browser.new_page(); page.goto(url)
    page.wait_for_function('() => window.digitclf && window.digitclf.net', timeout=10000)
    got = page.evaluate("""ps => ps.map(p => { const d = window.digitclf, x = d.preprocess(p.g, p.h, p.w);
                           return [Array.from(x), Array.from(d.forward(d.net, x))]; })""",
                        [dict(h=p.shape[0], w=p.shape[1], g=p.ravel().tolist()) for p in pics])
    page.close()
    x_py = torch.stack([mnist_preprocess(p) for p in pics]).view(len(pics), 784)
    dx = float(np.abs(np.array([g[0] for g in got]) - x_py.numpy()).max())
    dp = float(np.abs(np.array([g[1] for g in got]) - clf.probs_of(x_py).numpy()).max())
    check(dx < 1e-5 and dp < 1e-4, f"the page's preprocess and forward on {len(xs)} MNIST test digits (280×280 PNGs) and {len(pics) - len(xs)} straight strokes: "
                                   f"max differences {dx:.1e} (28×28), {dp:.1e} (probabilities)")
    return dx, dp


def site(model=None, shots=None, ipywidgets7_python=None):
    "The draw-a-digit page, from file:// and over http."
    from playwright.sync_api import sync_playwright
    from digitclf.classifier import load_model
    from digitclf.render import render_draw_page
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if model is None:
            from digitclf.cli import train
            from digitclf.data import mnist_full
            model = tmp/'model'
            with contextlib.redirect_stdout(sys.stderr): train(data=mnist_full(), out=model, progress=False)
        page = render_draw_page(tmp/'site', model)
        print(f"  built {page} ({(page.parent/'draw-model.js').stat().st_size/1e3:.0f} kB of weights)")
        clf = load_model(model)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox'])
            try:
                rows = test_page(browser, page.as_uri(), clf, 'file://', shots)
                funcs = test_functions(browser, page.as_uri(), clf)
                alone = tmp/'alone'; alone.mkdir(); shutil.copy(page, alone/'draw.html')
                pg = browser.new_page(); pg.goto((alone/'draw.html').as_uri())
                msg = pg.locator('#answer').text_content(); pg.close()
                check('draw-model.js did not load' in msg, f"without draw-model.js the page says so ({msg!r})")
                with http_server(page.parent) as url:
                    rows += test_page(browser, url + 'draw.html', clf, 'http://', shots)
            finally: browser.close()
    ms, work = [r['ms'] for r in rows], [r['work'] for r in rows]
    print("  stroke end to bars, ms: " + ', '.join(f"{r['ms']:.1f}" for r in rows) + f" ({', '.join(r['where'] for r in rows)})")
    print(f"  stroke end to bars: median {np.median(ms):.1f} ms, max {max(ms):.1f} ms over {len(ms)} strokes (goal: under 20 ms); "
          f"of which the page's own work: median {np.median(work):.1f} ms, max {max(work):.1f} ms")
    check(np.median(ms) < 20 and max(ms) < 100, "strokes are read in under 20 ms (median; none over 100 ms on a busy machine)")
    print(f"  largest differences from Python: 28×28 {max([r['dx'] for r in rows] + [funcs[0]]):.1e}, "
          f"probabilities {max([r['dp'] for r in rows] + [funcs[1]]):.1e}")


def _lab(python, major, model, app='lab'):
    "tools/browser_lab.py in the environment of `python`, which must have ipywidgets `major`, in JupyterLab 4 or Notebook 7 (`app`)."
    cmd = [sys.executable, str(Path(__file__).with_name('browser_lab.py')), '--python', str(python), '--expect-ipywidgets', major, '--app', app]
    if model: cmd += ['--model', str(model)]
    r = subprocess.run(cmd)
    check(r.returncode == 0, f"draw_digit in a real {'JupyterLab 4' if app == 'lab' else 'Notebook 7'} with ipywidgets {major} ({python})")


def lab(model=None, shots=None, ipywidgets7_python=None):
    "The draw_digit widget in a real JupyterLab 4, in this environment (ipywidgets 8)."
    _lab(sys.executable, '8', model)


def notebook7(model=None, shots=None, ipywidgets7_python=None):
    "The draw_digit widget in a real Notebook 7, in this environment (ipywidgets 8)."
    _lab(sys.executable, '8', model, app='notebook')


def lab7(model=None, shots=None, ipywidgets7_python=None):
    "The draw_digit widget in a real JupyterLab 4, in an environment with ipywidgets 7.8 (the API Colab's 7.7.1 shares)."
    if not ipywidgets7_python: raise Failed("lab7 needs --ipywidgets7-python PATH: the Python of an environment with digitclf and ipywidgets>=7.8,<8")
    _lab(ipywidgets7_python, '7', model)


PARTS = {'site': site, 'lab': lab, 'notebook7': notebook7, 'lab7': lab7}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('parts', nargs='*', metavar='PART', help=f"which tests: {', '.join(PARTS)} (default: all)")
    ap.add_argument('--model', metavar='DIR', help='model folder from `digitclf train --out DIR` (default: train one on full MNIST, ~10 s)')
    ap.add_argument('--shots', metavar='DIR', help='write screenshots of the page here')
    ap.add_argument('--ipywidgets7-python', metavar='PYTHON', help='for lab7: the Python of an environment with digitclf and ipywidgets 7.8')
    a = ap.parse_args(argv)
    bad = [x for x in a.parts if x not in PARTS]
    if bad: ap.error(f"unknown part {bad[0]!r}: choose from {', '.join(PARTS)}")
    need_browser()
    if a.shots: Path(a.shots).mkdir(parents=True, exist_ok=True)
    failed, parts = [], a.parts or [n for n in PARTS if n != 'lab7' or a.ipywidgets7_python]
    if 'lab7' not in parts: print("== browser tests: lab7 not requested (give --ipywidgets7-python to test ipywidgets 7 too)")
    tmp = tempfile.TemporaryDirectory()
    if a.model is None:                          # one model for every part
        from digitclf.cli import train
        from digitclf.data import mnist_full
        a.model = str(Path(tmp.name)/'model')
        print(f"== training the chapter's net on full MNIST for the tests, into {a.model}", flush=True)
        with contextlib.redirect_stdout(sys.stderr): train(data=mnist_full(), out=a.model, progress=False)
    for name in parts:
        t = time.time(); print(f"== browser tests: {name}")
        try: PARTS[name](model=a.model, shots=a.shots, ipywidgets7_python=a.ipywidgets7_python)
        except Exception as e:
            failed.append(name); print(f"  FAILED {name}: {type(e).__name__}: {e}")
        else: print(f"== {name}: passed in {time.time() - t:.0f} s")
    if failed: print(f"browser tests: FAILED: {', '.join(failed)}"); return 1
    return 0


if __name__ == '__main__': sys.exit(main())
