"""Which hosts providers may reach: allowed-host lists, wildcards, and netguard for the rest."""

import pytest
from traitlets import HasTraits

from binderd.errors import SpecError
from binderd.providers.hosts import HostPolicy, NetworkList, RedirectRefused
from binderd.providers.http import Limits, fetch


async def test_host_policy_without_hosts_uses_netguard(fake_apis):
    with pytest.raises(SpecError, match="loopback"):
        await fetch(fake_apis.elsewhere.url + "/", service="Svc", limits=Limits(), policy=HostPolicy())
    answer = await fetch(fake_apis.elsewhere.url + "/", service="Svc", limits=Limits(),
                         policy=HostPolicy((), ["127.0.0.1/32"]))
    assert answer.code == 404


def test_host_policy_matching():
    policy = HostPolicy(["zenodo.org", "*.figshare.com", "127.0.0.1:8080"])
    assert policy.matches("https://zenodo.org/records/1")
    assert policy.matches("https://ZENODO.org:443/x")
    assert policy.matches("https://springernature.figshare.com/articles/1")
    assert not policy.matches("https://figshare.com.evil.org/x")
    assert not policy.matches("https://evilzenodo.org/x")
    assert not policy.matches("https://zenodo.org.evil/x")
    assert policy.matches("http://127.0.0.1:8080/x")
    assert not policy.matches("http://127.0.0.1:8081/x")
    assert not policy.matches("https://user@evil.org/@zenodo.org")


async def test_refusal_names_the_host():
    with pytest.raises(RedirectRefused) as e:
        await HostPolicy(["zenodo.org"]).check("https://figshare.com/x", "Svc")
    assert e.value.host == "figshare.com"
    assert e.value.message == "Svc redirected to figshare.com, which binderd does not fetch from (allowed: zenodo.org)."


def test_network_list_validates_cidrs():
    class Holder(HasTraits):
        networks = NetworkList()

    assert Holder(networks=["10.0.0.0/8"]).networks == ["10.0.0.0/8"]
    with pytest.raises(Exception, match="networks"):
        Holder(networks=["ten"])
