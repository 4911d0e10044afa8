"""How a refused command looks, for every test of bad input: exit 1, one line, nothing changed.

An error a user can cause exits 1 with one line on standard error,
``Error: <what and where>`` (never "unexpected …"); a usage error exits 2,
its ``Error:`` line after click's usage lines. Either way the registry is
byte for byte as before.
"""


def refused(env, *args, expect, environment=None, code=1):
    """Run ``args``; check the refusal and that its ``Error:`` line holds ``expect`` (a text, or several);
    return that line."""
    before = env.fingerprint()
    result = env.run(*args, env=environment)
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    if code == 1:
        assert len(lines) == 1, result.stderr
    line = lines[-1] if lines else ""
    assert line.startswith("Error: ") and "unexpected" not in line, result.stderr
    for text in [expect] if isinstance(expect, str) else expect:
        assert text in line, line
    assert env.fingerprint() == before
    return line
