"""ENAS-style controller: an LSTM that emits one transmission choice per decision
(exchange point, receiver, sender), trained with REINFORCE against a moving baseline."""
import torch
import torch.nn as nn

from .policy import FRACTIONS


class Controller(nn.Module):
    def __init__(self, decisions, hidden=64, tanh_constant=2.5, temperature=1.0):
        super().__init__()
        self.decisions = decisions
        options = len(FRACTIONS)
        self.start = nn.Parameter(torch.zeros(1, hidden))
        self.choice_embed = nn.Embedding(options, hidden)
        self.position = nn.Embedding(decisions, hidden)  # which link of which point
        self.lstm = nn.LSTMCell(hidden, hidden)
        self.head = nn.Linear(hidden, options)
        self.tanh_constant, self.temperature = tanh_constant, temperature

    def sample(self, greedy=False):
        """(choices, sum of log-probabilities, sum of entropies)."""
        h = c = torch.zeros_like(self.start)
        inp = self.start
        choices, logp, entropy = [], 0.0, 0.0
        for i in range(self.decisions):
            h, c = self.lstm(inp + self.position.weight[i:i + 1], (h, c))
            # ENAS bounds the logits (tanh) so that no choice becomes certain too early.
            logits = self.tanh_constant * torch.tanh(self.head(h) / self.temperature)
            dist = torch.distributions.Categorical(logits=logits)
            choice = logits.argmax(1) if greedy else dist.sample()
            logp = logp + dist.log_prob(choice)
            entropy = entropy + dist.entropy()
            choices.append(int(choice))
            inp = self.choice_embed(choice)
        return choices, logp.squeeze(), entropy.squeeze()


class Reinforce:
    """REINFORCE with an exponential moving baseline and an entropy bonus."""

    def __init__(self, controller, lr=3.5e-3, baseline_decay=0.95, entropy_weight=1e-3):
        self.controller = controller
        self.opt = torch.optim.Adam(controller.parameters(), lr=lr)
        self.baseline, self.decay, self.entropy_weight = None, baseline_decay, entropy_weight

    def update(self, logp, entropy, reward):
        if self.baseline is None:
            self.baseline = reward
        advantage = reward - self.baseline
        self.baseline = self.decay * self.baseline + (1 - self.decay) * reward
        loss = -advantage * logp - self.entropy_weight * entropy
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return advantage

    def state_dict(self):
        return {"opt": self.opt.state_dict(), "baseline": self.baseline}

    def load_state_dict(self, s):
        self.opt.load_state_dict(s["opt"])
        self.baseline = s["baseline"]
