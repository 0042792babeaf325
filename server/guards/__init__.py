"""Input guards in front of every route (ours and the LangGraph API's): bounded, well-formed input or a clear 4xx."""
