class ReslabError(Exception):
    """Something the user has to fix: a refused key, a field the orchestrator rejected, a missing setting."""
