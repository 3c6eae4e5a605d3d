"""MeasureVAE: the recurrent VAE of one tokenized 4/4 measure (AR-VAE Table 1)."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import torch
from torch import nn

from skarvae.modules._base import VAEModule, VAEOutput


class MeasureVAE(VAEModule):
    """Bidirectional-GRU encoder and hierarchical beat/tick GRU decoder.

    The architecture of Pati & Lerch (2020, Table 1) for one 4/4 measure of
    24 token ids (4 beats of 6 ticks):

    - encoder: token embedding (``embedding_dim``) -> ``num_layers``-layer
      bidirectional GRU (``hidden_size``); the final hidden states of all
      layers and directions are concatenated (512 with the defaults) and fed
      to two heads ``Linear(512, 256)-SELU-Linear(256, latent_dim)`` for the
      mean and the log-variance;
    - decoder: ``Linear(latent_dim, num_layers * hidden_size)-SELU`` gives
      the initial state of a beat GRU unrolled for 4 beats on a learned
      constant input; each beat output initialises a tick GRU (through
      ``Linear-SELU``) and gives a beat embedding (``Linear-SELU``); the tick
      GRU runs 6 ticks, its input is the previous token's embedding
      concatenated with the beat embedding, and a linear layer gives the
      token logits. The first previous token is a learned vector and the
      token feedback carries across beats.

    In training mode, :meth:`forward` feeds the true previous tokens
    (teacher forcing) with probability ``teacher_forcing``, decided once per
    batch as in the original; otherwise, and always in eval mode and in
    :meth:`decode`, the argmax token of the previous tick is fed back
    (greedy decoding). :meth:`decode_teacher_forced` always feeds the true
    tokens: its logits give the likelihood ``p(x | z)`` that the estimators'
    ``score`` reports.

    Differences from the original code: the heads predict the log-variance
    (the skarvae protocol) instead of the log standard deviation, and the
    output logits are not passed through a ReLU, which clamped them at zero
    (a token could never be made less likely than an all-zero logit, and
    negative logits had no gradient).

    Parameters
    ----------
    input_shape : tuple of int, default=(24,)
        Shape of one sample; must be ``(24,)``.
    latent_dim : int, default=32
        Size of the latent code.
    n_tokens : int
        Vocabulary size.
    embedding_dim : int, default=10
        Size of the token embeddings (encoder and decoder have their own).
    hidden_size : int, default=128
        Hidden size of every GRU.
    num_layers : int, default=2
        Layers of every GRU.
    head_dim : int, default=256
        Width of the hidden layer of the mean and log-variance heads.
    dropout : float, default=0.5
        Dropout between GRU layers.
    teacher_forcing : float, default=0.5
        Probability that a training batch is decoded with teacher forcing.

    Examples
    --------
    >>> import torch
    >>> from skarvae.modules import MeasureVAE
    >>> _ = torch.manual_seed(0)
    >>> module = MeasureVAE(input_shape=(24,), latent_dim=4, n_tokens=12,
    ...                     hidden_size=8, head_dim=8)
    >>> out = module(torch.randint(0, 12, (3, 24)))
    >>> out.output.shape, out.mu.shape
    (torch.Size([3, 24, 12]), torch.Size([3, 4]))
    >>> module.eval().decode(torch.zeros(2, 4)).argmax(-1).shape
    torch.Size([2, 24])
    """

    data_kind = "tokens"
    n_beats = 4
    ticks_per_beat = 6

    def __init__(
        self,
        input_shape=(24,),
        latent_dim=32,
        n_tokens=None,
        *,
        embedding_dim=10,
        hidden_size=128,
        num_layers=2,
        head_dim=256,
        dropout=0.5,
        teacher_forcing=0.5,
    ):
        super().__init__()
        n_ticks = self.n_beats * self.ticks_per_beat
        if tuple(input_shape) != (n_ticks,):
            raise ValueError(
                f"MeasureVAE models measures of {n_ticks} tokens; got input_shape="
                f"{tuple(input_shape)}."
            )
        if n_tokens is None or n_tokens < 2:
            raise ValueError(f"MeasureVAE needs n_tokens >= 2; got {n_tokens!r}.")
        self.input_shape = (n_ticks,)
        self.latent_dim = latent_dim
        self.n_tokens = n_tokens
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.teacher_forcing = teacher_forcing
        gru_dropout = dropout if num_layers > 1 else 0.0

        self.enc_embedding = nn.Embedding(n_tokens, embedding_dim)
        self.enc_rnn = nn.GRU(
            embedding_dim,
            hidden_size,
            num_layers=num_layers,
            dropout=gru_dropout,
            bidirectional=True,
            batch_first=True,
        )
        enc_width = 2 * num_layers * hidden_size
        self.mu_head = nn.Sequential(
            nn.Linear(enc_width, head_dim), nn.SELU(), nn.Linear(head_dim, latent_dim)
        )
        self.logvar_head = nn.Sequential(
            nn.Linear(enc_width, head_dim), nn.SELU(), nn.Linear(head_dim, latent_dim)
        )

        self.z_to_beat = nn.Sequential(
            nn.Linear(latent_dim, num_layers * hidden_size), nn.SELU()
        )
        self.beat_input = nn.Parameter(torch.zeros(1, 1, 1))
        self.beat_rnn = nn.GRU(
            1,
            hidden_size,
            num_layers=num_layers,
            dropout=gru_dropout,
            batch_first=True,
        )
        self.beat_to_tick = nn.Sequential(
            nn.Linear(hidden_size, num_layers * hidden_size), nn.SELU()
        )
        self.beat_embedding = nn.Sequential(
            nn.Linear(hidden_size, hidden_size), nn.SELU()
        )
        self.dec_embedding = nn.Embedding(n_tokens, embedding_dim)
        self.first_token = nn.Parameter(torch.zeros(1, embedding_dim))
        self.tick_rnn = nn.GRU(
            embedding_dim + hidden_size,
            hidden_size,
            num_layers=num_layers,
            dropout=gru_dropout,
            batch_first=True,
        )
        self.to_logits = nn.Linear(hidden_size, n_tokens)
        for name, param in self.named_parameters():
            if name.endswith("weight") and param.dim() > 1:
                nn.init.xavier_normal_(param)

    def _initial_state(self, layer, x):
        batch = x.shape[0]
        state = layer(x).view(batch, self.num_layers, self.hidden_size)
        return state.transpose(0, 1).contiguous()

    def encode(self, x):
        """Return ``(mu, logvar)`` for token ids of shape (batch, 24)."""
        _, h_n = self.enc_rnn(self.enc_embedding(x.long()))
        h = h_n.transpose(0, 1).reshape(x.shape[0], -1)
        return self.mu_head(h), self.logvar_head(h)

    def _decode(self, z, target=None, *, force=False):
        batch = z.shape[0]
        beat_state = self._initial_state(self.z_to_beat, z)
        beat_in = self.beat_input.expand(batch, self.n_beats, 1)
        beat_out, _ = self.beat_rnn(beat_in, beat_state)
        teacher = target is not None and (
            force or (self.training and bool(torch.rand(()) < self.teacher_forcing))
        )
        if teacher:
            target = target.long()
            prev = torch.cat(
                [
                    self.first_token.expand(batch, 1, -1),
                    self.dec_embedding(target[:, :-1]),
                ],
                dim=1,
            )
        logits = []
        prev_token = self.first_token.expand(batch, -1)
        for beat in range(self.n_beats):
            state = self._initial_state(self.beat_to_tick, beat_out[:, beat])
            context = self.beat_embedding(beat_out[:, beat])
            if teacher:
                ticks = slice(
                    beat * self.ticks_per_beat, (beat + 1) * self.ticks_per_beat
                )
                inputs = torch.cat(
                    [
                        prev[:, ticks],
                        context[:, None].expand(-1, self.ticks_per_beat, -1),
                    ],
                    dim=-1,
                )
                out, _ = self.tick_rnn(inputs, state)
                logits.append(self.to_logits(out))
                continue
            for _ in range(self.ticks_per_beat):
                inputs = torch.cat([prev_token, context], dim=-1)[:, None]
                out, state = self.tick_rnn(inputs, state)
                step = self.to_logits(out)
                logits.append(step)
                prev_token = self.dec_embedding(step[:, 0].argmax(dim=-1))
        return torch.cat(logits, dim=1)

    def decode(self, z):
        """Return token logits (batch, 24, n_tokens), decoding greedily."""
        return self._decode(z)

    def decode_teacher_forced(self, z, x):
        """Return the token logits of the measures ``x`` given ``z``.

        Every tick is decoded from the true previous tokens of ``x`` (teacher
        forcing), in training and eval mode alike, so the cross-entropy of
        these logits with ``x`` is ``-log p(x | z)`` of the autoregressive
        decoder. The estimators' ``score`` uses it.
        """
        return self._decode(z, target=x, force=True)

    def forward(self, x):
        """Encode, sample ``z`` and decode it (teacher forcing in training)."""
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        return VAEOutput(self._decode(z, target=x), mu, logvar, z)
