"""HTTP routers of our own API (the LangGraph API routes come from Aegra)."""
