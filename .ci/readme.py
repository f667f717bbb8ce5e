"""Write README.md from nbs/index.ipynb (the job nbdev_readme does, without needing Quarto).

Markdown cells are copied as they are; code cells are shown as Python blocks with their text output,
except cells whose first line is a `#| hide` directive. Run from the repository root: python .ci/readme.py
"""
import json, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
nb = json.loads((root/'nbs'/'index.ipynb').read_text(encoding='utf-8'))
parts = []
for cell in nb['cells']:
    src = ''.join(cell['source']).strip()
    if not src: continue
    if cell['cell_type'] == 'markdown': parts.append(src)
    elif cell['cell_type'] == 'code':
        lines = src.splitlines()
        if any(l.replace(' ', '').startswith('#|hide') for l in lines if l.startswith('#|')): continue
        code = '\n'.join(l for l in lines if not l.startswith('#|')).strip()
        parts.append(f'```python\n{code}\n```')
        for o in cell.get('outputs', []):
            txt = ''.join(o.get('text', '') or o.get('data', {}).get('text/plain', '')).strip()
            if txt: parts.append(f'```\n{txt}\n```')
text = '<!-- Generated from nbs/index.ipynb by .ci/readme.py: edit the notebook, not this file. -->\n\n' + '\n\n'.join(parts) + '\n'
out = root/'README.md'
if '--check' in sys.argv:
    if not out.exists() or out.read_text(encoding='utf-8') != text:
        sys.exit('README.md is out of date with nbs/index.ipynb: run `python .ci/readme.py` and commit README.md')
else: out.write_text(text, encoding='utf-8')
