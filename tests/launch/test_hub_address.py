"""The hub's public URL read from a LoadBalancer Service's status."""

from binderd.launch.hub_address import service_url


def service(ingress, ports=None):
    return {"spec": {"ports": ports or [{"name": "http", "port": 80}]},
            "status": {"loadBalancer": {"ingress": ingress}}}


def test_no_address_yet():
    assert service_url(service([])) == ""
    assert service_url({"status": {"loadBalancer": {}}}) == ""


def test_ip_hostname_and_ports():
    assert service_url(service([{"ip": "203.0.113.7"}])) == "http://203.0.113.7/"
    assert service_url(service([{"hostname": "a1.elb.example.com"}])) == "http://a1.elb.example.com/"
    assert service_url(service([{"ip": "203.0.113.7"}], [{"name": "http", "port": 8080}])) == "http://203.0.113.7:8080/"
    assert service_url(service([{"ip": "2001:db8::1"}])) == "http://[2001:db8::1]/"
    https = [{"name": "https", "port": 443}, {"name": "http", "port": 80}]
    assert service_url(service([{"ip": "203.0.113.7"}], https)) == "https://203.0.113.7/"
