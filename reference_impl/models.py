"""The networks of the deep-learning experiments, as plain ``torch.nn`` modules.

:class:`~reference_impl.nn_problem.NeuralNetworkProblem` flattens a module's parameters into the
vector ``x`` of dimension ``d`` that every algorithm file updates, and evaluates per-worker gradients
with ``torch.func`` (``functional_call`` + ``vmap`` + ``grad``), so the modules here must be
*functional*: no buffers that the forward pass mutates, no randomness in the forward pass.

* :func:`mnist_cnn` - the MNIST CNN of 004's nonconvex experiments, the architecture of the authors'
  public code (``philipco/mcm-bidirectional-compression``, ``src/deeplearning/NnModels.py``, class
  ``MNIST_CNN``): conv(1->10, 5x5) - maxpool 2 - ReLU - conv(10->20, 5x5) - maxpool 2 - ReLU -
  linear(320->50) - ReLU - linear(50->10). ``d = 21840`` (the slides say "d = 2e4"). The authors'
  module also applies dropout (``Dropout2d`` after conv2, dropout after fc1); it is left out here,
  because our gradient oracle is a deterministic function of the sampled rows (dropout has no
  parameters, so ``d`` is unchanged).
* :func:`lenet` - LeNet-5 (LeCun et al. 1998) for 28x28 single-channel input: conv(1->6, 5x5, pad 2) -
  ReLU - maxpool - conv(6->16, 5x5) - ReLU - maxpool - 400->120->84->10 (``d = 61706``); 004 trains a
  LeNet on CIFAR-10 (3 channels, 32x32), which is not available here.
* :func:`resnet20` - a ResNet-20-style network (He et al. 2016, CIFAR variant: 3 stages of 3 basic
  blocks, widths ``w, 2w, 4w``, option-A-like shortcut by a 1x1 strided convolution), for 001's
  CIFAR-10 ResNet experiments run on the MNIST substitute. **BatchNorm per worker**: every
  ``BatchNorm2d`` has ``track_running_stats=False``, so each worker normalises with the statistics
  of its *own* minibatch (what data-parallel training without SyncBN does), the affine weights are
  part of ``x`` like every other parameter, and no running statistics exist (they would be hidden
  state outside ``x``). Evaluation normalises each fixed evaluation chunk with its own statistics.
* :func:`mlp` - a small multilayer perceptron, for the exactness tests.

Every constructor is deterministic given the torch generator state; the problem seeds it.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn
from torch.nn import functional as F


class MnistCNN(nn.Module):
    """004's MNIST CNN (authors' ``MNIST_CNN``) without dropout; input (b, 1, 28, 28)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        """Logits (or features, for a block) of a batch ``x``; the layers are listed in the class docstring."""
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)


class LeNet5(nn.Module):
    """LeNet-5 for 28x28 single-channel input (padding 2 on the first convolution)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        """Logits (or features, for a block) of a batch ``x``; the layers are listed in the class docstring."""
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def _bn(channels: int) -> nn.BatchNorm2d:
    """BatchNorm with per-minibatch statistics only (no running statistics: see the module docstring)."""
    return nn.BatchNorm2d(channels, track_running_stats=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with BatchNorm and an identity (or 1x1 strided) shortcut."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = _bn(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = _bn(c_out)
        self.shortcut = (nn.Sequential() if stride == 1 and c_in == c_out else
                         nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), _bn(c_out)))

    def forward(self, x):
        """Logits (or features, for a block) of a batch ``x``; the layers are listed in the class docstring."""
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet20(nn.Module):
    """ResNet-20 layout (3 stages x ``blocks`` basic blocks, widths w, 2w, 4w), global average pooling."""

    def __init__(self, width: int = 16, blocks: int = 3, in_channels: int = 1, classes: int = 10) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, width, 3, padding=1, bias=False)
        self.bn = _bn(width)
        layers, c = [], width
        for stage, c_out in enumerate((width, 2 * width, 4 * width)):
            for b in range(blocks):
                layers.append(BasicBlock(c, c_out, 2 if (stage > 0 and b == 0) else 1))
                c = c_out
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        """Logits (or features, for a block) of a batch ``x``; the layers are listed in the class docstring."""
        x = F.relu(self.bn(self.conv(x)))
        x = self.layers(x)
        return self.fc(x.mean(dim=(2, 3)))


class MLP(nn.Module):
    """784 -> hidden -> 10 with tanh (smooth: used where float64 exactness is tested)."""

    def __init__(self, hidden: int = 16, inputs: int = 784, classes: int = 10) -> None:
        super().__init__()
        self.fc1 = nn.Linear(inputs, hidden)
        self.fc2 = nn.Linear(hidden, classes)

    def forward(self, x):
        """Logits (or features, for a block) of a batch ``x``; the layers are listed in the class docstring."""
        return self.fc2(torch.tanh(self.fc1(x.flatten(1))))


def mnist_cnn() -> nn.Module:
    return MnistCNN()


def lenet() -> nn.Module:
    return LeNet5()


def resnet20(width: int = 16) -> nn.Module:
    return ResNet20(width=width)


def mlp(hidden: int = 16) -> nn.Module:
    return MLP(hidden=hidden)


#: name -> constructor (no arguments); the names the experiment code and the CLI-facing helpers accept.
MODELS: dict[str, Callable[[], nn.Module]] = {
    "mnist-cnn": mnist_cnn,
    "lenet": lenet,
    "resnet20": resnet20,
    "resnet20-w8": lambda: resnet20(width=8),
    "mlp": mlp,
}


def build(name: str) -> nn.Module:
    """The model registered as ``name`` (ValueError listing the names otherwise)."""
    if name not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}; got {name!r}")
    return MODELS[name]()


def n_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
