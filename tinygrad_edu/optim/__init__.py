"""tg.optim: optimisers and learning-rate schedules, as `torch.optim`.

- optimizer.py: `Optimizer`, the shared bookkeeping (parameter groups, state, saving)
- algorithms.py: the update rules `SGD`, `RMSprop`, `Adagrad`, `Adam`, `AdamW`
- lr_scheduler.py: `StepLR`, `MultiStepLR`, `ExponentialLR`, `CosineAnnealingLR`,
  `LambdaLR`, `LinearLR`, `OneCycleLR`, `ReduceLROnPlateau`

>>> import tinygrad_edu as tg
>>> model = tg.nn.Linear(3, 1)
>>> opt = tg.optim.Adam(model.parameters(), lr=0.01)
>>> sched = tg.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
>>> model(tg.ones(4, 3)).sum().backward()
>>> opt.step(); sched.step()
>>> sched.get_last_lr()
[0.005]
"""

from . import lr_scheduler
from .algorithms import SGD, Adagrad, Adam, AdamW, RMSprop
from .optimizer import Optimizer

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
