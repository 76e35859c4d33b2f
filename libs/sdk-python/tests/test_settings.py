"""The CLI's settings, read the CLI's way (apps/cli/src/config-file.ts)."""

import json

from reslab.settings import DEFAULT_API_URL, resolve


def test_a_stored_key_goes_only_to_the_orchestrator_it_was_stored_for(reslab_env, monkeypatch):
    monkeypatch.delenv("RESLAB_API_KEY")
    monkeypatch.delenv("RESLAB_API_URL")
    config = reslab_env / "config" / "reslab" / "config.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"apiUrl": "http://lab:4000/", "apiKey": "rsk_stored"}))
    assert resolve() == resolve("http://lab:4000")
    assert resolve().api_url == "http://lab:4000" and resolve().api_key == "rsk_stored"
    assert resolve("http://elsewhere:4000").api_key is None
    monkeypatch.setenv("RESLAB_API_KEY", "rsk_env")
    assert resolve("http://elsewhere:4000").api_key == "rsk_env"


def test_without_settings_the_default_orchestrator(reslab_env, monkeypatch):
    monkeypatch.delenv("RESLAB_API_URL")
    monkeypatch.setenv("RESLAB_API_URL", "")  # empty counts as unset, as in the CLI
    assert resolve().api_url == DEFAULT_API_URL
