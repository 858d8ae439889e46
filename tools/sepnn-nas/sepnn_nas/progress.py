"""tqdm progress bars when tqdm is installed (python3-tqdm), plain iteration otherwise."""
import sys

try:
    from tqdm import tqdm as _tqdm
except ImportError:  # pragma: no cover - tqdm is in install-deps.sh
    _tqdm = None


class _Plain:
    def __init__(self, iterable, desc):
        self.iterable, self.desc = iterable, desc

    def __iter__(self):
        print(self.desc, file=sys.stderr, flush=True)
        return iter(self.iterable)

    def set_postfix(self, **_):
        pass


def progress(iterable, desc, total=None):
    if _tqdm is None:
        return _Plain(iterable, desc)
    # Bars only on a terminal: a redirected log gets log()'s lines instead.
    return _tqdm(iterable, desc=desc, total=total, leave=False, file=sys.stderr,
                 mininterval=2.0, disable=not sys.stderr.isatty())


def log(line):
    """A line on stderr that stays in a redirected log (progress bars do not)."""
    print(line, file=sys.stderr, flush=True)
