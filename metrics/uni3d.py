"""Uni3D point-cloud encoder: a shape's surface samples to one vector in a CLIP space.

Uni3D ("Uni3D: Exploring Unified 3D Representation at Scale", Zhou et al.,
ICLR 2024) embeds a point cloud with a ViT that starts from an EVA image model:

1. **Group.** ``num_group`` centres by farthest point sampling, and the
   ``group_size`` nearest points of each centre (k nearest neighbours),
   expressed relative to their centre.
2. **Patch encoder.** A small PointNet (Point-BERT's encoder, on xyz + rgb):
   a shared MLP (1x1 convolutions), a max pool over the group, the pooled
   feature concatenated to each point, a second shared MLP, a max pool.
3. **Tokens.** A linear map to the transformer width (``encoder2trans``),
   plus a position embedding of each centre (an MLP, ``pos_embed``); a class
   token (``cls_token`` + ``cls_pos``) in front.
4. **Transformer.** EVA / EVA-02 blocks (``visual.blocks``), a final layer
   norm on the class token (``visual.norm`` or ``visual.fc_norm``), and a
   linear map to the CLIP embedding size (``trans2embed``).

Module and parameter names are those of the public Uni3D code
(``PointcloudEncoder``) and of the timm EVA blocks it is built from, so a
Uni3D checkpoint's state dict loads after only its prefixes are removed
(:func:`encoder_state_dict`).

Two deliberate choices make the embedding a function of the point *set*:
points are put in a canonical (lexicographic) order before anything else, so
that farthest point sampling, which starts from the first point, starts from
the same point whatever the input order; and nothing random (no patch
dropout) runs at inference.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from metrics.geometry import normalise_points
from metrics.vectors import BackendError, WeightsNotFound, l2_normalise

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.pt"
# Uni3D's value for points without colour (its datasets fill rgb with 0.4).
GREY = 0.4

# Transformer shapes of the timm models that Uni3D's `--pc-model` names.
_EVA02_SMALL: dict[str, Any] = {"mlp_ratio": 4 * 2 / 3, "swiglu_mlp": True}
_EVA02_LARGE: dict[str, Any] = {"mlp_ratio": 4 * 2 / 3, "qkv_fused": False, "swiglu_mlp": True, "scale_mlp": True}
PC_MODELS: dict[str, dict[str, Any]] = {
    "eva_giant_patch14_560": {"pc_feat_dim": 1408, "depth": 40, "num_heads": 16, "mlp_ratio": 6144 / 1408},
    "eva02_large_patch14_448": {"pc_feat_dim": 1024, "depth": 24, "num_heads": 16, **_EVA02_LARGE},
    "eva02_base_patch14_448": {"pc_feat_dim": 768, "depth": 12, "num_heads": 12, **_EVA02_LARGE},
    "eva02_small_patch14_224": {"pc_feat_dim": 384, "depth": 12, "num_heads": 6, **_EVA02_SMALL},
    "eva02_tiny_patch14_224": {"pc_feat_dim": 192, "depth": 12, "num_heads": 3, **_EVA02_SMALL},
}

# Parts of a Uni3D checkpoint that the point encoder does not use: the image
# model's patch and position embeddings, class token and head, which Uni3D
# creates with timm but never calls, and the contrastive loss's temperature.
IGNORED_PREFIXES = (
    "logit_scale",
    "visual.patch_embed.",
    "visual.pos_embed",
    "visual.cls_token",
    "visual.head.",
    "visual.rope.",
)


class CheckpointMismatch(WeightsNotFound):
    """The weights file does not fit the architecture its config describes."""


@dataclass(frozen=True)
class Uni3DConfig:
    """Shape of a Uni3D point encoder; field names follow Uni3D's arguments.

    Attributes
    ----------
    pc_feat_dim, depth, num_heads : int
        Transformer width, number of blocks, attention heads.
    embed_dim : int
        Size of the CLIP space the encoder maps into (1024 for EVA02-E-14-plus).
    pc_encoder_dim : int
        Output size of the patch encoder.
    num_group, group_size : int
        Number of groups (centres) and points per group.
    npoints : int
        Points sampled on a surface before encoding.
    mlp_ratio, qkv_bias, qkv_fused, swiglu_mlp, scale_mlp, scale_attn_inner, init_values
        The timm EVA block options of the same names.
    use_fc_norm : bool
        Whether the final norm is ``visual.fc_norm`` (timm's EVA with average
        pooling, as in every Uni3D model) rather than ``visual.norm``.
    pc_model : str
        The timm model Uni3D started from; fills the transformer's shape.
    """

    pc_feat_dim: int
    depth: int
    num_heads: int
    embed_dim: int = 1024
    pc_encoder_dim: int = 512
    num_group: int = 512
    group_size: int = 64
    npoints: int = 10000
    mlp_ratio: float = 4.0
    qkv_bias: bool = True
    qkv_fused: bool = True
    swiglu_mlp: bool = False
    scale_mlp: bool = False
    scale_attn_inner: bool = False
    init_values: float | None = None
    use_fc_norm: bool = True
    pc_model: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Uni3DConfig:
        """Build a config from ``config.json`` values; ``pc_model`` supplies defaults."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown keys {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        pc_model = str(data.get("pc_model", "")).split(".")[0]  # timm's ".pretrained_tag" is irrelevant
        if pc_model and pc_model not in PC_MODELS:
            raise ValueError(f"unknown pc_model {pc_model!r} (known: {', '.join(PC_MODELS)}); give its shape instead")
        values = {**PC_MODELS.get(pc_model, {}), **data, "pc_model": pc_model}
        missing = [name for name in ("pc_feat_dim", "depth", "num_heads") if name not in values]
        if missing:
            raise ValueError(f"missing {', '.join(missing)} (or a known pc_model)")
        return cls(**values)


def load_config(directory: Path) -> Uni3DConfig:
    """Read ``config.json`` from a Uni3D weights directory."""
    path = directory / CONFIG_FILE
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise WeightsNotFound(f"{path}: not found (a Uni3D directory needs {CONFIG_FILE} and {WEIGHTS_FILE})") from None
    except (OSError, ValueError) as exc:
        raise WeightsNotFound(f"{path}: unreadable ({exc})") from exc
    if not isinstance(data, dict):
        raise WeightsNotFound(f"{path}: expected a JSON object")
    try:
        return Uni3DConfig.from_dict(data)
    except (TypeError, ValueError) as exc:
        raise WeightsNotFound(f"{path}: {exc}") from exc


# --- grouping ----------------------------------------------------------------


def farthest_point_sample(xyz: torch.Tensor, count: int) -> torch.Tensor:
    """Indices of ``count`` points chosen by farthest point sampling.

    Starts from point 0, as ``pointnet2_ops.furthest_point_sample`` does;
    each next point is the one farthest from those chosen (the first of
    equally far ones).

    Parameters
    ----------
    xyz : torch.Tensor
        ``(b, n, 3)`` points.
    count : int
        Number of points to choose, at most ``n``.

    Returns
    -------
    torch.Tensor
        ``(b, count)`` int64 indices.
    """
    batch, n, _ = xyz.shape
    chosen = torch.zeros(batch, count, dtype=torch.long, device=xyz.device)
    nearest = torch.full((batch, n), float("inf"), dtype=xyz.dtype, device=xyz.device)
    farthest = torch.zeros(batch, dtype=torch.long, device=xyz.device)
    rows = torch.arange(batch, device=xyz.device)
    for i in range(count):
        chosen[:, i] = farthest
        latest = xyz[rows, farthest].unsqueeze(1)
        nearest = torch.minimum(nearest, ((xyz - latest) ** 2).sum(-1))
        farthest = nearest.argmax(-1)
    return chosen


def knn_indices(xyz: torch.Tensor, centres: torch.Tensor, k: int) -> torch.Tensor:
    """``(b, g, k)`` indices of the ``k`` points of ``xyz`` nearest to each centre."""
    distance = torch.cdist(centres, xyz, compute_mode="donot_use_mm_for_euclid_dist")
    return distance.topk(k, dim=-1, largest=False, sorted=True).indices


def _gather(values: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``values[b, index[b, ...]]`` for ``(b, n, c)`` values."""
    batch = torch.arange(values.shape[0], device=values.device).view(-1, *([1] * (index.dim() - 1)))
    return values[batch, index]


class Group(nn.Module):
    """Centres by farthest point sampling, neighbourhoods by k nearest neighbours."""

    def __init__(self, num_group: int, group_size: int) -> None:
        super().__init__()
        self.num_group = num_group
        self.group_size = group_size

    def forward(self, xyz: torch.Tensor, colour: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return centres ``(b, g, 3)`` and features ``(b, g, k, 6)`` (xyz - centre, rgb)."""
        centres = _gather(xyz, farthest_point_sample(xyz, self.num_group))
        index = knn_indices(xyz, centres, self.group_size)
        neighbourhood = _gather(xyz, index) - centres.unsqueeze(2)
        return centres, torch.cat((neighbourhood, _gather(colour, index)), dim=-1)


class Encoder(nn.Module):
    """Point-BERT's patch encoder on 6 channels: two shared MLPs, each max-pooled."""

    def __init__(self, encoder_channel: int) -> None:
        super().__init__()
        self.encoder_channel = encoder_channel
        self.first_conv = nn.Sequential(
            nn.Conv1d(6, 128, 1), nn.BatchNorm1d(128), nn.ReLU(inplace=True), nn.Conv1d(128, 256, 1)
        )
        self.second_conv = nn.Sequential(
            nn.Conv1d(512, 512, 1), nn.BatchNorm1d(512), nn.ReLU(inplace=True), nn.Conv1d(512, encoder_channel, 1)
        )

    def forward(self, groups: torch.Tensor) -> torch.Tensor:
        """``(b, g, k, 6)`` groups to ``(b, g, encoder_channel)`` features."""
        batch, count, size, channels = groups.shape
        points = groups.reshape(batch * count, size, channels).transpose(2, 1)
        feature = self.first_conv(points)
        pooled = feature.max(dim=2, keepdim=True).values
        feature = self.second_conv(torch.cat([pooled.expand(-1, -1, size), feature], dim=1))
        return feature.max(dim=2).values.reshape(batch, count, self.encoder_channel)


# --- transformer (timm EVA block layout) -------------------------------------


def _layer_norm(dim: int) -> nn.LayerNorm:
    return nn.LayerNorm(dim, eps=1e-6)  # timm's LayerNorm default


class Attention(nn.Module):
    """Multi-head self-attention with timm ``EvaAttention``'s parameters.

    Fused (``qkv`` with ``q_bias`` / ``v_bias``, EVA and EVA-02 tiny/small)
    or split (``q_proj``, ``k_proj`` without bias, ``v_proj``; EVA-02
    base/large) projections; an optional norm before the output projection.
    """

    qkv: nn.Linear | None
    q_proj: nn.Linear | None
    k_proj: nn.Linear | None
    v_proj: nn.Linear | None
    q_bias: nn.Parameter | None
    v_bias: nn.Parameter | None

    def __init__(self, dim: int, num_heads: int, *, qkv_bias: bool, qkv_fused: bool, scale_inner: bool) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.qkv = self.q_proj = self.k_proj = self.v_proj = None
        self.q_bias = self.v_bias = None
        if qkv_fused:
            self.qkv = nn.Linear(dim, dim * 3, bias=False)
            if qkv_bias:  # keys have no bias (timm keeps a zero, non-persistent k_bias)
                self.q_bias = nn.Parameter(torch.zeros(dim))
                self.v_bias = nn.Parameter(torch.zeros(dim))
        else:
            self.q_proj = nn.Linear(dim, dim, bias=qkv_bias)
            self.k_proj = nn.Linear(dim, dim, bias=False)
            self.v_proj = nn.Linear(dim, dim, bias=qkv_bias)
        self.norm: nn.Module = _layer_norm(dim) if scale_inner else nn.Identity()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, dim = x.shape
        heads = (batch, tokens, self.num_heads, dim // self.num_heads)
        if self.qkv is not None:
            bias = None
            if self.q_bias is not None and self.v_bias is not None:
                bias = torch.cat((self.q_bias, torch.zeros_like(self.q_bias), self.v_bias))
            q, k, v = F.linear(x, self.qkv.weight, bias).reshape(batch, tokens, 3, *heads[2:]).unbind(2)
        else:
            assert self.q_proj is not None and self.k_proj is not None and self.v_proj is not None
            q, k, v = self.q_proj(x).reshape(heads), self.k_proj(x).reshape(heads), self.v_proj(x).reshape(heads)
        out = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
        return self.proj(self.norm(out.transpose(1, 2).reshape(batch, tokens, dim)))


class Mlp(nn.Module):
    """``fc1``, GELU, optional norm, ``fc2`` (EVA)."""

    def __init__(self, dim: int, hidden: int, *, scale: bool) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.norm: nn.Module = _layer_norm(hidden) if scale else nn.Identity()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.norm(F.gelu(self.fc1(x))))


class GluMlp(nn.Module):
    """SwiGLU with one packed ``fc1`` (gate first), as timm builds it without a norm (EVA-02 tiny/small)."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden * 2)
        self.norm = nn.Identity()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate, value = self.fc1(x).chunk(2, dim=-1)
        return self.fc2(self.norm(F.silu(gate) * value))


class SwiGLU(nn.Module):
    """SwiGLU with split ``fc1_g`` / ``fc1_x`` and an optional norm (EVA-02 base/large)."""

    def __init__(self, dim: int, hidden: int, *, scale: bool) -> None:
        super().__init__()
        self.fc1_g = nn.Linear(dim, hidden)
        self.fc1_x = nn.Linear(dim, hidden)
        self.norm: nn.Module = _layer_norm(hidden) if scale else nn.Identity()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.norm(F.silu(self.fc1_g(x)) * self.fc1_x(x)))


class Block(nn.Module):
    """Pre-norm transformer block (timm ``EvaBlock``), with optional layer scale."""

    gamma_1: nn.Parameter | None
    gamma_2: nn.Parameter | None

    def __init__(self, config: Uni3DConfig) -> None:
        super().__init__()
        dim = config.pc_feat_dim
        hidden = int(dim * config.mlp_ratio)  # as timm computes it
        self.norm1 = _layer_norm(dim)
        self.attn = Attention(
            dim,
            config.num_heads,
            qkv_bias=config.qkv_bias,
            qkv_fused=config.qkv_fused,
            scale_inner=config.scale_attn_inner,
        )
        self.norm2 = _layer_norm(dim)
        self.mlp: nn.Module
        if not config.swiglu_mlp:
            self.mlp = Mlp(dim, hidden, scale=config.scale_mlp)
        elif config.scale_mlp:
            self.mlp = SwiGLU(dim, hidden, scale=True)
        else:
            self.mlp = GluMlp(dim, hidden)
        self.gamma_1 = self.gamma_2 = None
        if config.init_values is not None:
            self.gamma_1 = nn.Parameter(config.init_values * torch.ones(dim))
            self.gamma_2 = nn.Parameter(config.init_values * torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        attn = self.attn(self.norm1(x))
        x = x + (attn if self.gamma_1 is None else self.gamma_1 * attn)
        mlp = self.mlp(self.norm2(x))
        return x + (mlp if self.gamma_2 is None else self.gamma_2 * mlp)


class Transformer(nn.Module):
    """The part of the EVA image model Uni3D uses: its blocks and final norm."""

    def __init__(self, config: Uni3DConfig) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.depth))
        dim = config.pc_feat_dim
        self.norm: nn.Module = nn.Identity() if config.use_fc_norm else _layer_norm(dim)
        self.fc_norm: nn.Module = _layer_norm(dim) if config.use_fc_norm else nn.Identity()


class PointcloudEncoder(nn.Module):
    """Uni3D's point encoder: ``(b, n, 3)`` xyz and rgb to ``(b, embed_dim)``."""

    def __init__(self, config: Uni3DConfig) -> None:
        super().__init__()
        self.config = config
        width = config.pc_feat_dim
        self.group_divider = Group(config.num_group, config.group_size)
        self.encoder = Encoder(config.pc_encoder_dim)
        self.encoder2trans = nn.Linear(config.pc_encoder_dim, width)
        self.trans2embed = nn.Linear(width, config.embed_dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, width))
        self.cls_pos = nn.Parameter(torch.randn(1, 1, width))
        self.pos_embed = nn.Sequential(nn.Linear(3, 128), nn.GELU(), nn.Linear(128, width))
        self.visual = Transformer(config)

    def forward(self, xyz: torch.Tensor, colour: torch.Tensor) -> torch.Tensor:
        centres, features = self.group_divider(xyz, colour)
        tokens = self.encoder2trans(self.encoder(features))
        batch = tokens.shape[0]
        x = torch.cat((self.cls_token.expand(batch, -1, -1), tokens), dim=1)
        x = x + torch.cat((self.cls_pos.expand(batch, -1, -1), self.pos_embed(centres)), dim=1)
        for block in self.visual.blocks:
            x = block(x)
        return self.trans2embed(self.visual.fc_norm(self.visual.norm(x[:, 0, :])))


# --- checkpoints -------------------------------------------------------------


def encoder_state_dict(checkpoint: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """Map a Uni3D checkpoint to :class:`PointcloudEncoder` keys.

    Takes the state dict out of a ``{"module": ...}`` (or ``"state_dict"``,
    ``"model"``) wrapper, removes the ``module.`` (DeepSpeed / DDP) and
    ``point_encoder.`` prefixes, and drops the keys in
    :data:`IGNORED_PREFIXES` and any value that is not a tensor.
    """
    for wrapper in ("module", "state_dict", "model"):
        inner = checkpoint.get(wrapper)
        if isinstance(inner, Mapping):
            checkpoint = inner
            break
    state = {}
    for key, value in checkpoint.items():
        name = key.removeprefix("module.").removeprefix("point_encoder.")
        if isinstance(value, torch.Tensor) and not name.startswith(IGNORED_PREFIXES):
            state[name] = value
    return state


def _listed(keys: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(keys[:limit])
    return shown + (f" (and {len(keys) - limit} more)" if len(keys) > limit else "")


def load_encoder(directory: Path, *, device: str = "cpu") -> PointcloudEncoder:
    """Build the encoder described by ``config.json`` and load ``model.pt`` into it.

    Raises
    ------
    WeightsNotFound
        A file is missing or unreadable.
    CheckpointMismatch
        The weights do not fit the configured architecture: the message
        names the file and the missing, unexpected or misshapen keys.
    """
    config = load_config(directory)
    path = directory / WEIGHTS_FILE
    if not path.is_file():
        raise WeightsNotFound(f"{path}: not found (a Uni3D directory needs {CONFIG_FILE} and {WEIGHTS_FILE})")
    try:
        # weights_only: a pickle can run code; tensors and plain containers cannot.
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for corrupt or unsafe pickles
        raise WeightsNotFound(f"{path}: not loadable with torch.load(weights_only=True) ({exc})") from exc
    if not isinstance(checkpoint, Mapping):
        raise WeightsNotFound(f"{path}: expected a state dict, found {type(checkpoint).__name__}")
    state = encoder_state_dict(checkpoint)
    model = PointcloudEncoder(config)
    _check_keys(path, model.state_dict(), state)
    model.load_state_dict(state)
    return model.to(device).eval()


def _check_keys(path: Path, expected: Mapping[str, torch.Tensor], found: Mapping[str, torch.Tensor]) -> None:
    missing = [key for key in expected if key not in found]
    unexpected = [key for key in found if key not in expected]
    problems = []
    if missing:
        problems.append(f"missing keys: {_listed(missing)}")
    if unexpected:
        problems.append(f"unexpected keys: {_listed(unexpected)}")
    shapes = [
        f"{key} {tuple(found[key].shape)} (expected {tuple(value.shape)})"
        for key, value in expected.items()
        if key in found and found[key].shape != value.shape
    ]
    if shapes:
        problems.append(f"wrong shapes: {_listed(shapes)}")
    if problems:
        raise CheckpointMismatch(
            f"{path}: does not fit the architecture in {CONFIG_FILE} ({'; '.join(problems)}); "
            "check pc_model / pc_feat_dim / depth / embed_dim there"
        )


# --- embedding -----------------------------------------------------------------


def prepare_points(points: np.ndarray) -> np.ndarray:
    """Put points in canonical order and normalise them as Uni3D does.

    The order is lexicographic (x, then y, then z), taken before anything is
    computed, so that the result is bit-for-bit the same for any permutation
    of the input. Then the cloud is centred on its mean and scaled so that its
    farthest point is at distance 1.

    Returns
    -------
    numpy.ndarray
        ``(n, 3)`` float32 points.
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 3:
        raise ValueError(f"expected an (n, 3) point cloud, got shape {points.shape}")
    ordered = points[np.lexsort(points.T[::-1])]
    return normalise_points(ordered).astype(np.float32)


def embed_clouds(model: PointcloudEncoder, clouds: Sequence[np.ndarray], *, device: str = "cpu") -> np.ndarray:
    """Embed ``(n, 3)`` clouds one by one; return unit rows ``(len(clouds), embed_dim)``.

    Every point gets Uni3D's grey (0.4) as its colour: our assets are clay.
    """
    config = model.config
    rows = []
    with torch.inference_mode():
        for cloud in clouds:
            points = np.asarray(cloud)
            if len(points) < max(config.num_group, config.group_size):
                raise BackendError(
                    f"a cloud of {len(points)} points is too small for {config.num_group} groups "
                    f"of {config.group_size} points"
                )
            try:
                xyz = torch.from_numpy(prepare_points(points)).unsqueeze(0).to(device)
            except ValueError as exc:
                raise BackendError(f"cannot embed this point cloud: {exc}") from exc
            rows.append(model(xyz, torch.full_like(xyz, GREY)).double().cpu().numpy())
    if not rows:
        raise ValueError("nothing to embed")
    return l2_normalise(np.concatenate(rows))
