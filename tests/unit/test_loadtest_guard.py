"""The load test sends nothing past this machine (benchmarks/load/guard.py, used by the locustfile)."""

from benchmarks.load.guard import loopback_refusal


def test_loopback_hosts_are_allowed():
    for url in ("http://127.0.0.1:8140", "http://localhost:8140/", "http://127.3.4.5", "http://[::1]:8140"):
        assert loopback_refusal(url) == "", url


def test_any_other_host_is_refused_before_a_request_is_sent():
    assert "not a loopback address" in loopback_refusal("http://192.0.2.1:8000")
    assert "not a loopback address" in loopback_refusal("http://10.0.0.1")
    assert "does not resolve" in loopback_refusal("http://no-such-host.invalid")
    assert "no host" in loopback_refusal("")
