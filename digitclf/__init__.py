"digitclf: a tested, importable companion to chapter 4 of *Deep Learning for Coders with fastai and PyTorch*."
__version__ = "0.1.0"

# The lessons' modules, re-exported: `import digitclf` gives every function a lesson builds. The tools' modules
# (bench, cli, render, commands) are not: import them by name, e.g. `from digitclf.cli import train`.
from . import data, plotting, baseline, quadratic, rollercoaster, loss, training, learner, weights, multiclass, basic_learner, exercises, questionnaire, classifier
from .data import *
from .plotting import *
from .baseline import *
from .quadratic import *
from .rollercoaster import *
from .loss import *
from .training import *
from .learner import *
from .weights import *
from .multiclass import *
from .basic_learner import *
from .exercises import *
from .questionnaire import *
from .classifier import *

# Names that fastai also exports. A learner's notebook often runs `from fastai.vision.all import *` and then
# `from digitclf import *`; ours must not replace fastai's there, so they stay importable from their own module
# only (`from digitclf.rollercoaster import mse`). nbs/91_package.ipynb checks that no other export collides.
FASTAI_NAMES = ('mae', 'mse', 'sigmoid', 'default_device', 'load_image', 'save_model', 'load_model')
_modules = (data, plotting, baseline, quadratic, rollercoaster, loss, training, learner, weights, multiclass, basic_learner, exercises, questionnaire, classifier)
__all__ = [n for m in _modules for n in m.__all__ if n not in FASTAI_NAMES]
