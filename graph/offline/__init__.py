"""The grounded offline chat model (the default LLM_MODEL): answers from KB, tickets and memory only."""

from graph.offline.model import OfflineResponder

__all__ = ["OfflineResponder"]
