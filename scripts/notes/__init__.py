"""Inside NN note tooling: bibliography, citations, note checks, papers page, backlinks, vendoring.

The MkDocs hooks (scripts/mkdocs_hooks.py) and the command scripts/check_notes.py both call into
this package, so the build and the command report the same problems the same way.
"""

from notes.problems import Problem, format_problems

__all__ = ["Problem", "format_problems"]
