"Packaging for digitclf. Every setting lives in settings.ini: edit it there, not here."
import shlex
from configparser import ConfigParser
from pathlib import Path

import shutil

import setuptools
from setuptools.command.build_py import build_py

here = Path(__file__).parent
config = ConfigParser(delimiters=['='])
config.read(here/'settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

expected = 'version description keywords author author_email lib_name user branch license status min_python audience language git_url'.split()
missing = [o for o in expected if o not in cfg]
if missing: raise SystemExit(f"settings.ini is missing these settings: {', '.join(missing)}")

licenses = {
    'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License'),
    'mit': ('MIT License', 'OSI Approved :: MIT License'),
    'bsd3': ('BSD License', 'OSI Approved :: BSD License'),
}
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
# Plain version strings compared as tuples, so no pkg_resources or packaging import is needed at build time.
py_versions = ['3.9', '3.10', '3.11', '3.12', '3.13', '3.14']
def _vt(v): return tuple(int(o) for o in v.split('.'))
min_python = cfg['min_python']
lic = licenses.get(cfg['license'].lower(), (cfg['license'], None))

requirements = shlex.split(cfg.get('requirements', ''))
lessons_requirements = shlex.split(cfg.get('lessons_requirements', ''))   # nbdev's show_doc, with the pins it needs
dev_requirements = lessons_requirements + shlex.split(cfg.get('dev_requirements', ''))   # [dev] includes [lessons]
readme = here/'README.md'


class BuildPyWithLessons(build_py):
    "Also ship the lesson notebooks (nbs/*.ipynb) inside the package, as digitclf/lessons/, for `digitclf lessons` and `digitclf render`."
    def run(self):
        super().run()
        if getattr(self, 'editable_mode', False): return   # an editable install finds them in the checkout's nbs/
        src = here/cfg.get('nbs_path', 'nbs')
        dest = Path(self.build_lib)/cfg['lib_name']/'lessons'
        shutil.rmtree(dest, ignore_errors=True)      # a reused build/ folder must not keep renamed or deleted lessons
        dest.mkdir(parents=True, exist_ok=True)
        for nb in sorted(src.glob('*.ipynb')): shutil.copy2(nb, dest/nb.name)


setuptools.setup(
    cmdclass={'build_py': BuildPyWithLessons},
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    keywords=cfg['keywords'],
    author=cfg['author'],
    author_email=cfg['author_email'],
    license=lic[0],
    classifiers=['Development Status :: ' + statuses[int(cfg['status']) - 1],
                 'Intended Audience :: ' + cfg['audience'].title(),
                 'Natural Language :: ' + cfg['language'].title()]
                + ['Programming Language :: Python :: ' + o for o in py_versions if _vt(o) >= _vt(min_python)]
                + (['License :: ' + lic[1]] if lic[1] else []),
    url=cfg['git_url'],
    packages=setuptools.find_packages(include=[cfg['lib_name'], cfg['lib_name'] + '.*']),
    include_package_data=True,
    package_data={cfg['lib_name']: ['mnist.npz']},   # the embedded MNIST digits (tools/embed_mnist.py)
    install_requires=requirements,
    extras_require={'lessons': lessons_requirements, 'dev': dev_requirements},
    python_requires='>=' + min_python,
    long_description=readme.read_text(encoding='utf-8') if readme.exists() else cfg['description'],
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={
        'console_scripts': cfg.get('console_scripts', '').split(),
        # No 'nbdev' entry point: through it nbdev's show_doc would add a GitHub "source" link (with a line number nbdev 2.4
        # cannot resolve, and Quarto-only {target=...} syntax that Jupyter and the site show as text) to every API entry.
    },
    project_urls={'Documentation': cfg.get('doc_host', '') + cfg.get('doc_baseurl', '')} if cfg.get('doc_host') else {},
)
