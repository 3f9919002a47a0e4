"""Reading a hook's shell script: the script of ``bash -c '...'`` and the tool it runs (pure).

``classify.py`` needs both, to name a shell hook's tool (``bash -c 'command -v trivy && trivy
fs .'`` runs ``trivy``) and to find pytest inside a wrapper; ``wrappers.py`` needs the script to
put its probe in place of pytest. Kept apart: bash's keywords and builtins are a subject of their own.
"""

from __future__ import annotations

import shlex

SHELLS = frozenset({"bash", "sh", "zsh", "dash"})
SHELL_WORDS = frozenset(
    {
        "set",
        "pipefail",
        "cd",
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "!",
        "[",
        "[[",
        "]",
        "]]",
        "command",
        "which",
        "type",
        "test",
        "exit",
        "echo",
        "&&",
        "||",
        ";",
        "source",
        ".",
        "export",
        # the rest of bash's keywords and builtins: never a tool that can be missing
        *("for", "in", "do", "done", "while", "until", "case", "esac", "select", "function", "time"),
        *("{", "}", "(", ")", "true", "false", ":", "read", "printf", "shift", "eval", "exec"),
        *("trap", "return", "local", "declare", "typeset", "unset", "pwd", "alias", "ulimit"),
        *("umask", "wait", "let", "shopt", "getopts", "hash", "readonly", "builtin", "pushd", "popd"),
    }
)


def shell_inner(argv: list[str]) -> str | None:
    """The script of ``bash -c SCRIPT`` (also ``sh``/``zsh``/``dash``, ``-lc``/``-ec``), else None."""
    if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] in SHELLS and argv[1] in ("-c", "-lc", "-ec"):
        return argv[2]
    return None


_COMMAND_AHEAD = frozenset(
    {"if", "then", "else", "elif", "do", "while", "until", "!", "time", "{", "(", "&&", "||", ";", "|"}
    | {"&", ";;", "fi", "done", "esac", "}", ")"}
)
_LOOKUPS = frozenset({"command", "which", "type", "hash"})  # `command -v trivy` names trivy


def tool_name(script: str) -> str:
    """The first command of a shell script that is not a keyword, builtin or assignment."""
    try:
        lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError:
        return "bash"
    at_command, head = True, ""  # head: inside a ``for``/``select``/``case`` head until do / )
    for word in words:
        if head:
            head = "" if word in ("do", ")") else head
            at_command = not head
        elif word in ("for", "select", "case"):
            head = word
        elif word in _COMMAND_AHEAD:
            at_command = True
        elif not at_command or "=" in word or word.startswith(("-", "$", "/dev/")):
            continue
        elif word in _LOOKUPS:
            continue  # stays at_command: the looked-up name is the tool
        elif word in SHELL_WORDS:
            at_command = False
        else:
            return word
    return "bash"
