"digitclf: a tested, importable companion to chapter 4 of *Deep Learning for Coders with fastai and PyTorch*."
__version__ = "0.1.0"

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
