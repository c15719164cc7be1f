from taskhub.secrets import MASK, redact

KEY = "dGVzdC1zZWNyZXQta2V5LXRoYXQtbXVzdC1uZXZlci1sZWFr"


def test_connection_string_fields_are_masked() -> None:
    text = f"DefaultEndpointsProtocol=https;AccountName=a;AccountKey={KEY};EndpointSuffix=x"
    out = redact(text)
    assert KEY not in out
    assert f"AccountKey={MASK}" in out
    assert "AccountName=a" in out


def test_sas_signature_in_a_url_is_masked() -> None:
    out = redact("GET https://a.table.core.windows.net/t?sv=2020&sig=abc%2Bdef&se=1 failed")
    assert "abc%2Bdef" not in out
    assert "sv=2020" in out


def test_bearer_tokens_and_known_values_are_masked() -> None:
    assert "eyJ0eXAi" not in redact("Authorization: Bearer eyJ0eXAi.abc.def")
    assert "hunter2" not in redact("password is hunter2", known=["hunter2"])
