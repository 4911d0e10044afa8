"""``peerlearn practices list``: good practices by country and theme."""

import json


def _practices(env, *args):
    result = env.run("practices", "list", *args, "--json")
    assert result.exit_code == 0, result.output
    return [practice["title"] for practice in json.loads(result.stdout)]


def test_practices_are_listed_by_country_and_theme(demo_env):
    every = _practices(demo_env)
    assert len(every) == 3
    assert _practices(demo_env, "--country", "se") == ["Mentoring for newly arrived women"]
    assert _practices(demo_env, "--theme", "Skills") == ["Early skills screening in reception centres"]
    assert _practices(demo_env, "--country", "PT", "--theme", "activation") == ["One-stop activation teams"]
    assert _practices(demo_env, "--country", "PT", "--theme", "skills") == []
    assert _practices(demo_env, "--network", "pes") == ["Early skills screening in reception centres"]
    table = demo_env.run("practices", "list", "--country", "DE")
    assert "Early skills screening" in table.stdout and "refugees, skills" in table.stdout


def test_practices_refuse_a_bad_country_and_a_practice_needs_one(demo_env):
    result = demo_env.run("practices", "list", "--country", "XX")
    assert result.exit_code == 1 and "--country: 'XX' is not an ISO 3166-1 alpha-2 country code" in result.stderr
    result = demo_env.run("practices", "list", "--network", "nowhere")
    assert result.exit_code == 1 and "unknown network 'nowhere'" in result.stderr
    before = demo_env.fingerprint()
    result = demo_env.run("outputs", "add", "1", "--kind", "good_practice", "--title", "Somewhere")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: --country: good practice 'Somewhere': give the country it comes from"
    assert demo_env.fingerprint() == before
