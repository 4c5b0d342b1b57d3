"""checks.py: python plugin functions that tests/unit/scan_python_test.cpp calls through the
python scanner, one per behaviour under test."""

calls = 0  # module state: counts calls within one interpreter


def describe(data):
    """What arrived: its type, length and every byte in hex."""
    return "type=%s len=%d hex=%s" % (type(data).__name__, len(data), data.hex())


def raise_on_bad(data):
    """Raises for flows that start with BAD, answers 'good' for the others."""
    if data.startswith(b"BAD"):
        raise ValueError("bad flow of %d bytes" % len(data))
    return "good"


def exit_call(data):
    """SystemExit must be reported like any other exception, not end the process."""
    raise SystemExit(3)


def returns_none(data):
    return None


def returns_int(data):
    return len(data)


def returns_unicode(data):
    return "h\u00e9llo \u2713"


def returns_surrogate(data):
    return "x\udc80"


def bad_str(data):
    """A result whose str() raises."""

    class Unprintable:
        def __str__(self):
            raise RuntimeError("no text for you")

    return Unprintable()


def count(data):
    global calls
    calls += 1
    return "call %d" % calls


not_callable = 42
