"""Building blocks of He et al. 2016, "Deep Residual Learning for Image Recognition" (BasicBlock, Bottleneck), and
of He et al. 2016b, "Identity Mappings in Deep Residual Networks" (the pre-activation blocks).

Each block's conv path F(x) is its `branch(x)`. A residual block adds a shortcut to it; its plain counterpart
(the "plain" nets of He et al. 2016 §4.2) is the same layers with the shortcut removed. Layer names follow
torchvision (`conv1`, `bn1`, ..., `downsample`), so torchvision's state dicts load unchanged.
"""

import torch
import torch.nn.functional as F
from torch import nn


def conv3x3(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    # bias=False: the BatchNorm that follows has its own shift, so a conv bias would be redundant.
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """A linear projection across channels; keeps H x W (at stride 1)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class PadShortcut(nn.Module):
    """Option A shortcut (He et al. 2016 §3.3, §4.2): parameter-free identity that subsamples by `stride`
    and zero-pads the new channels, so x can be added to F(x) when a stage halves H x W and doubles C."""

    def __init__(self, in_planes: int, out_planes: int, stride: int):
        super().__init__()
        self.stride = stride
        self.pad_before = (out_planes - in_planes) // 2
        self.pad_after = out_planes - in_planes - self.pad_before

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, self.pad_before, self.pad_after))


def projection_shortcut(in_planes: int, out_planes: int, stride: int) -> nn.Sequential:
    """Option B shortcut (He et al. 2016 §3.3): a 1x1 conv + BN projection, used only where shapes change."""
    return nn.Sequential(conv1x1(in_planes, out_planes, stride), nn.BatchNorm2d(out_planes))


def _no_downsample(block: str, downsample: nn.Module | None) -> None:
    if downsample is not None:
        raise ValueError(f"a plain block ({block}) has no shortcut, so it takes no downsample")


# --- Original (post-activation) blocks: x_{l+1} = relu(x_l + F(x_l)) ---------------------------------------------


class _BasicLayers(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN: the branch shared by BasicBlock and PlainBlock."""

    expansion = 1  # channel multiplier of the block's output (4 for Bottleneck), not a depth

    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.conv1 = conv3x3(in_planes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)  # in place: saves one activation tensor per block
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)

    def branch(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))


class BasicBlock(_BasicLayers):
    """conv3x3-BN-ReLU-conv3x3-BN, plus the shortcut, then ReLU: x_{l+1} = relu(x_l + F(x_l, W_l)).

    The ReLU after the addition is why the gradient identity of docs/course.md §1 (dL/dx_l = dL/dx_L (1 + ...)) is
    only approximate here; the pre-activation block removes it.
    """

    def __init__(self, in_planes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__(in_planes, planes, stride)
        self.downsample = downsample  # reshapes the identity when stride or channels change; None = identity

    def zero_init_residual_(self) -> None:
        """Zero the branch's last BN scale (Goyal et al. 2017): F(x) = 0, so the block starts as relu(x)."""
        nn.init.zeros_(self.bn2.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(self.branch(x) + identity)


class PlainBlock(_BasicLayers):
    """The BasicBlock with the shortcut removed (the "plain" nets of He et al. 2016 §4.2): relu(F(x))."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        _no_downsample("PlainBlock", downsample)
        super().__init__(in_planes, planes, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.branch(x))


class _BottleneckLayers(nn.Module):
    """conv1x1-BN-ReLU-conv3x3-BN-ReLU-conv1x1-BN (He et al. 2016 §4.1, Fig. 5): the 1x1 convs cut the channels
    to `planes` for the costly 3x3 conv and restore them to 4 x planes."""

    expansion = 4

    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.conv1 = conv1x1(in_planes, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        # Stride on the 3x3 conv (ResNet v1.5), as torchvision does; the paper strides the first 1x1 conv,
        # which discards 3/4 of the input before any 3x3 filter sees it.
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)

    def branch(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.bn3(self.conv3(out))


class Bottleneck(_BottleneckLayers):
    """The bottleneck branch plus the shortcut, then ReLU."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__(in_planes, planes, stride)
        self.downsample = downsample

    def zero_init_residual_(self) -> None:
        nn.init.zeros_(self.bn3.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(self.branch(x) + identity)


class PlainBottleneck(_BottleneckLayers):
    """The Bottleneck with the shortcut removed. It needs no downsample either: the 1x1 convs already change C."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        _no_downsample("PlainBottleneck", downsample)
        super().__init__(in_planes, planes, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.branch(x))


# --- Pre-activation blocks (He et al. 2016b): x_{l+1} = x_l + F(x_l), nothing after the addition ----------------


class _PreActBasicLayers(nn.Module):
    """BN-ReLU-conv3x3-BN-ReLU-conv3x3 (He et al. 2016b Fig. 4e): the normalisation moves in front of each conv,
    so the shortcut path carries x untouched from block to block."""

    expansion = 1

    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv1 = conv3x3(in_planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes)

    def preact(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn1(x))  # a new tensor: the in-place ReLU never touches x, which the shortcut needs

    def branch_after_preact(self, out: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.relu(self.bn2(self.conv1(out))))

    def branch(self, x: torch.Tensor) -> torch.Tensor:
        return self.branch_after_preact(self.preact(x))


class _PreActBottleneckLayers(nn.Module):
    """BN-ReLU-conv1x1-BN-ReLU-conv3x3-BN-ReLU-conv1x1, stride on the 3x3 conv."""

    expansion = 4

    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv1 = conv1x1(in_planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn3 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * self.expansion)

    def preact(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn1(x))

    def branch_after_preact(self, out: torch.Tensor) -> torch.Tensor:
        out = self.conv2(self.relu(self.bn2(self.conv1(out))))
        return self.conv3(self.relu(self.bn3(out)))

    def branch(self, x: torch.Tensor) -> torch.Tensor:
        return self.branch_after_preact(self.preact(x))


class PreActBasicBlock(_PreActBasicLayers):
    """BN-ReLU-conv-BN-ReLU-conv, then add the shortcut; no ReLU after the add: x_{l+1} = x_l + F(x_l).

    Where the block reshapes, the shortcut takes the pre-activated input, as in the authors' code
    (fb.resnet.torch preresnet, "both_preact"); everywhere else the identity path carries x untouched.
    """

    def __init__(self, in_planes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__(in_planes, planes, stride)
        self.downsample = downsample

    def zero_init_residual_(self) -> None:
        """The branch ends in a conv, not a BN: zero that conv, so F(x) = 0 exactly and the block is x -> x."""
        nn.init.zeros_(self.conv2.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.preact(x)
        identity = x if self.downsample is None else self.downsample(out)
        return self.branch_after_preact(out) + identity


class PreActBottleneck(_PreActBottleneckLayers):
    """The bottleneck version, used by the paper's CIFAR ResNet-164 and ResNet-1001; same shortcut rule."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__(in_planes, planes, stride)
        self.downsample = downsample

    def zero_init_residual_(self) -> None:
        nn.init.zeros_(self.conv3.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.preact(x)
        identity = x if self.downsample is None else self.downsample(out)
        return self.branch_after_preact(out) + identity


class PreActPlainBlock(_PreActBasicLayers):
    """The pre-activation basic block with the shortcut removed: F(x) only."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        _no_downsample("PreActPlainBlock", downsample)
        super().__init__(in_planes, planes, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.branch(x)


class PreActPlainBottleneck(_PreActBottleneckLayers):
    """The pre-activation bottleneck with the shortcut removed: F(x) only."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        _no_downsample("PreActPlainBottleneck", downsample)
        super().__init__(in_planes, planes, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.branch(x)


RESIDUAL_BLOCKS = (BasicBlock, Bottleneck, PreActBasicBlock, PreActBottleneck)
PLAIN_BLOCKS = (PlainBlock, PlainBottleneck, PreActPlainBlock, PreActPlainBottleneck)
