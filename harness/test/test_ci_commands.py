"""Every external command the ci/ scripts run is either a standard Debian base tool or installed by
ci/setup (issue 13: the README's two commands work on a fresh Debian). The scripts are read as
text: a small shell tokenizer finds the words in command position (after ; | && || ( $( and the
keywords that run a command), resolves variables assigned an absolute path ("$PYTHON"), skips
builtins, the scripts' own functions and paths into the tree; COMMANDS maps each command to the
Debian package that ships it, and ci/setup's package lists (packages=(...), tool_packages=(...),
packages+=(...)) must hold it unless it is in BASE. A command the table does not know fails too:
a new tool in a script needs a line here, and that line names its package."""
import os
import re
import shlex

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = ["ci/lib.sh", "ci/test", "ci/build", "ci/lint", "ci/fuzz", "ci/bench", "ci/matrix", "ci/setup",
           "ci/quickstart", "ci/oss-fuzz/build.sh", "ci/oss-fuzz/check"]

# Debian's Essential and required packages: on every Debian system, before ci/setup runs.
BASE = {"bash", "coreutils", "dash", "debianutils", "diffutils", "dpkg", "apt", "findutils", "grep",
        "gzip", "sed", "tar", "util-linux", "procps"}

# command -> the Debian package that ships it
COMMANDS = {
    **{c: "coreutils" for c in ("basename", "cat", "cp", "cut", "date", "dirname", "env", "head", "id",
                                "ln", "ls", "mkdir", "mktemp", "mv", "nice", "nproc", "od", "readlink", "realpath", "rm",
                                "seq", "sleep", "sort", "tail", "tee", "touch", "tr", "uniq", "wc")},
    "bash": "bash", "sh": "dash", "grep": "grep", "sed": "sed", "find": "findutils", "xargs": "findutils",
    "cmp": "diffutils", "diff": "diffutils", "dpkg-query": "dpkg", "apt-get": "apt", "which": "debianutils",
    "cmake": "cmake", "ctest": "cmake", "ninja": "ninja-build", "pkg-config": "pkg-config",
    "g++": "g++", "gcc": "gcc", "clang": "clang", "clang++": "clang", "clang-format": "clang-format",
    "clang-tidy": "clang-tidy", "llvm-cov": "llvm-14", "llvm-profdata": "llvm-14", "llvm-symbolizer": "llvm-14",
    "git": "git", "python3": "python3", "openssl": "openssl", "zip": "zip", "unzip": "unzip",
    "node": "nodejs", "npm": "npm", "go": "golang-go", "chromium": "chromium", "firefox-esr": "firefox-esr",
    "nginx": "nginx", "haproxy": "haproxy",
}
# python3 -m MODULE -> its package
MODULES = {"pytest": "python3-pytest"}
# Run only where the script checks for them first and says what to do when they are missing.
OPTIONAL = {"sudo": "ci/setup runs apt-get through sudo only when not root, and dies naming it when absent"}

BUILTINS = {
    "[", "[[", "]]", "test", "cd", "echo", "printf", "exit", "return", "shift", "set", "unset", "export",
    "local", "declare", "readonly", "mapfile", "readarray", "source", ".", "trap", "wait", "read", "eval",
    "kill", "true", "false", ":", "break", "continue", "command", "type", "hash", "exec", "builtin", "let",
    "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac", "in", "!",
    "{", "}", "function", "select", "time", "pushd", "popd", "getopts", "umask", "ulimit", "alias",
}
SEPARATORS = {";", ";;", "|", "||", "&&", "&", "(", ")", "\n", "|&"}
REDIRECTS = {">", ">>", "<", "<<", "<<<", ">&", "<&", "&>", "&>>", ">|"}
PREFIXES = {"if", "then", "else", "elif", "do", "while", "until", "!", "time", "exec", "sudo", "nohup", "{"}


def read_script(path):
    """The script's text with heredoc bodies and line continuations removed."""
    out, heredoc = [], None
    with open(os.path.join(ROOT, path)) as f:
        for line in f:
            if heredoc is not None:
                if line.strip() == heredoc:
                    heredoc = None
                continue
            m = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", line)
            if m and "<<<" not in line:
                heredoc = m.group(1)
            out.append(line)
    text = "".join(out).replace("\\\n", " ")
    return re.sub(r"\$\(\([^()]*\)\)", "0", text)  # arithmetic, not a command: $((n + 1))


def tokens(text):
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace = " \t\r"  # newlines separate commands: keep them as tokens
    lexer.commenters = "#"
    lexer.wordchars += "$@{}[]/.:=+-*,%^~!?"
    try:
        return list(lexer)
    except ValueError as e:  # an unbalanced quote: the tokenizer, not the script, is wrong
        raise AssertionError(f"cannot tokenize: {e}") from e


def substitutions(word):
    """The command texts inside $( ... ) of a word (nested ones included by recursion)."""
    found, i = [], word.find("$(")
    while i >= 0:
        depth, j = 1, i + 2
        while j < len(word) and depth:
            depth += {"(": 1, ")": -1}.get(word[j], 0)
            j += 1
        found.append(word[i + 2:j - 1])
        i = word.find("$(", j)
    return found


def commands(text, variables):
    """The words in command position of a shell text (and of its command substitutions)."""
    found = []
    text = re.sub(r"<\s*<\(", " ; ", text).replace("<(", " ( ")  # process substitution
    toks = tokens(text.replace("$(", " $( "))
    # $( ... ) splits into "$" and "(": the "(" starts a command; the matching ")" ends it
    start, skip_segment, k = True, False, 0
    while k < len(toks):
        t = toks[k]
        k += 1
        for inner in substitutions(t):
            found += commands(inner, variables)
        if t in SEPARATORS or t == "$":
            start, skip_segment = True, False
            continue
        if t in REDIRECTS or re.fullmatch(r"\d*[<>]+&?", t):
            k += 1  # the redirection's target
            continue
        if skip_segment or not start:
            continue
        if t.endswith("=") and toks[k:k + 1] == ["("]:  # an array: x=(a b c) holds words
            depth = 0
            while k < len(toks):
                depth += {"(": 1, ")": -1}.get(toks[k], 0)
                k += 1
                if depth == 0:
                    break
            continue
        if re.fullmatch(r"[A-Za-z_]\w*(\[[^]]*\])?\+?=.*", t):  # an assignment prefix: X=1 cmd
            continue
        if t.endswith(")") or t in PREFIXES or t == "${SUDO[@]}":  # a case pattern, a keyword, sudo
            if t == "sudo":
                found.append(t)
            continue
        if t.startswith(("-", "*")) or t == "":  # a case pattern: --time) or *) or "")
            continue
        if t in ("for", "case", "[", "[[", "test", "trap", "local", "declare", "export", "function"):
            skip_segment = True  # the rest is words and patterns, not commands
            continue
        if t == "command" and k < len(toks) and toks[k] == "-v":
            found.append(toks[k + 1])
            k += 2
            continue
        if t in BUILTINS:
            start = False
            continue
        m = re.fullmatch(r"\$\{?(\w+)\}?", t)
        if m and m.group(1) in variables:
            t = variables[m.group(1)]
        elif t.startswith("$") or "/" in t.split("=")[0] and not t.startswith("/usr/bin/"):
            start = False  # a variable or a path into the tree (ci/build, build/..., "$bin/$t")
            continue
        name = os.path.basename(t)
        found.append(name)
        start = False
        if name == "python3" and toks[k:k + 1] == ["-m"]:
            found.append("python3 -m " + toks[k + 1])
        if name == "xargs":  # xargs [-P N] [-n N] COMMAND
            while k < len(toks) and toks[k].startswith("-"):
                k += 2 if toks[k] in ("-P", "-n", "-I", "-d", "-L", "-s") else 1
            start = True
    return found


def functions():
    names = set()
    for script in SCRIPTS:
        names |= set(re.findall(r"^\s*([\w-]+)\s*\(\)\s*\{", read_script(script), re.M))
    return names


def variables():
    """Variables assigned an absolute path to a program: PYTHON=/usr/bin/python3."""
    found = {}
    for script in SCRIPTS:
        for name, value in re.findall(r"^\s*(\w+)=(/usr/bin/[\w.+-]+)\s*$", read_script(script), re.M):
            found[name] = value
    return found


def setup_packages():
    """Every package ci/setup installs: the words of its packages=(...), tool_packages=(...) and
    packages+=(...) lists, comments and "${tool_packages[@]}" left out."""
    text = read_script("ci/setup")
    found = set()
    for m in re.finditer(r"\b\w*packages\+?=\(", text):
        for line in text[m.end():].splitlines():
            words = re.split(r"(?:^|\s)#", line, maxsplit=1)[0]  # a comment may hold ( and )
            found |= {w for w in words.split(")")[0].split() if not w.startswith(('"', "$"))}
            if ")" in words:
                break
    return found


def missing_commands():
    """(script, command, why) for every command neither in BASE nor installed by ci/setup."""
    installed, funcs, vars_ = setup_packages(), functions(), variables()
    problems = []
    for script in SCRIPTS:
        for command in commands(read_script(script), vars_):
            if command in BUILTINS or command in funcs or command in OPTIONAL:
                continue
            if command.startswith("python3 -m "):
                module = command.split()[-1]
                package = MODULES.get(module)
                if package is None:
                    problems.append((script, command, "a module the table MODULES does not know"))
                elif package not in installed:
                    problems.append((script, command, f"its package {package} is not in ci/setup's lists"))
                continue
            package = COMMANDS.get(command)
            if package is None:
                problems.append((script, command, "a command the table COMMANDS does not know"))
            elif package not in BASE and package not in installed:
                problems.append((script, command, f"its package {package} is not in ci/setup's lists"))
    return sorted(set(problems))


def test_the_tokenizer_finds_commands_in_every_position():
    text = ('source "$(dirname "$0")/lib.sh"\nX=1 cmake --build b | grep -q x && git ls-files\n'
            'mapfile -t a < <(find . -type f)\nif ! command -v zip >/dev/null; then "$PY" -m pytest; fi\n'
            '  --time) sed -n 1p "$0"; exit 0 ;;\nprintf "%s|x" a | xargs -P "$J" -n 1 clang-tidy -p b\n'
            '"${SUDO[@]}" apt-get install -y x\n')
    got = commands(text, {"PY": "/usr/bin/python3"})
    assert got == ["dirname", "cmake", "grep", "git", "find", "zip", "python3", "python3 -m pytest", "sed",
                   "xargs", "clang-tidy", "apt-get"], got


def test_setup_lists_the_tools_of_the_build():
    packages = setup_packages()
    assert {"cmake", "ninja-build", "clang-format", "clang-tidy", "python3-pytest", "zip", "git"} <= packages
    assert not any(p.startswith(("$", '"', "#")) for p in packages), packages


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_script_runs_commands(script):
    # A script in which no command is found would pass the check below vacuously.
    assert commands(read_script(script), variables()), script


def test_every_command_the_ci_scripts_run_is_a_base_tool_or_installed_by_setup():
    problems = missing_commands()
    assert not problems, "\n".join(f"{script}: {command}: {why}" for script, command, why in problems)
