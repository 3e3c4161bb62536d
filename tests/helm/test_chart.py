"""binderd's Helm chart, rendered with the real helm and checked against Kubernetes' schemas.

Every registry configuration of the BinderHub setup guide (and GAR, GHCR, Quay,
ECR) is rendered from the guide's own secret.yaml and config.yaml (the tables
of tests/registry/test_seeds.py) and must give the registry binderd would get
from those files directly. The jupyterhub dependency is the placeholder chart
of tests/helm/placeholder-jupyterhub (see tests/helm/chart.py).
"""

from __future__ import annotations

import base64

import kubernetes_validate.utils as kv
import pytest
import yaml

from tests.helm.chart import ChartCopy, HelmError
from tests.registry.test_seeds import CASES, Case, assert_registry, registry_from

DOCKER_HUB_KEY = "https://index.docker.io/v1/"  # the chart's key when registry.url is unset
OLDEST_KUBE = "1.28.0"  # the oldest Kubernetes the jupyterhub chart 4.2.0 supports
KUBE_VERSIONS = (OLDEST_KUBE, kv.latest_version())


@pytest.fixture(scope="module")
def chart(tmp_path_factory) -> ChartCopy:
    return ChartCopy(str(tmp_path_factory.mktemp("chart")))


def validate_all(rendered, version: str) -> None:
    for doc in rendered.docs:
        kv.validate(doc, version, strict=True)  # raises on an unknown field or a wrong type


def test_lint_strict(chart):
    chart.helm("lint", "--strict", chart.path)
    extra = chart.write_values("lint-extra.yaml", "imageBuilderType: dind\ningress:\n  enabled: true\n  hosts: [binder.example.org]\n")
    chart.helm("lint", "--strict", chart.path, "-f", extra)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
def test_setup_guide_registries_render_valid_manifests(chart, case: Case, kube_version):
    rendered = chart.template(case.secret, case.config, kube_version=kube_version)
    validate_all(rendered, kube_version)
    assert {d["kind"] for d in rendered.docs} >= {"Deployment", "Service", "Secret", "Role", "RoleBinding",
                                                   "ServiceAccount", "PodDisruptionBudget"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_binderd_gets_the_registry_the_guide_intends(chart, case: Case, tmp_path, monkeypatch):
    # binderd started as the Deployment starts it: -f on the config Secret, DOCKER_CONFIG at the
    # docker config Secret. It must end up with the registry the guide's files give directly.
    rendered = chart.template(case.secret, case.config)
    container = rendered.binder_container()
    env = {e["name"]: e.get("value") for e in container["env"]}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert container["args"][:2] == ["-f", mounts["config"] + "/values.yaml"]
    assert env["DOCKER_CONFIG"] == mounts["docker-config"]

    (tmp_path / "config").mkdir()
    (tmp_path / "docker").mkdir()
    config_file = tmp_path / "config" / "values.yaml"
    config_file.write_text(rendered.secret_data("binder-secret", "values.yaml"))
    (tmp_path / "docker" / "config.json").write_text(rendered.secret_data("binder-build-docker-config", "config.json"))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    assert_registry(registry_from([str(config_file)]), case)


@pytest.mark.parametrize("case", [c for c in CASES if c.secret], ids=[c.name for c in CASES if c.secret])
def test_registry_auth_lands_in_config_json(chart, case: Case):
    registry = yaml.safe_load(case.secret)["registry"]
    auths = chart.template(case.secret, case.config).docker_config()["auths"]
    key = registry.get("url") or DOCKER_HUB_KEY
    assert list(auths) == [key]
    user, _, password = base64.b64decode(auths[key]["auth"]).decode().partition(":")
    assert (user, password) == (case.username, case.password)


def test_no_registry_credentials_give_an_empty_config_json(chart):
    assert chart.template().docker_config() == {"auths": {}}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_config_values_reach_binderd(chart, case: Case):
    given = yaml.safe_load(case.config)["config"]
    config = chart.template(case.secret, case.config).binderd_config()["config"]
    for cls, options in given.items():
        for name, value in options.items():
            assert config[cls][name] == value, f"config.{cls}.{name}"
    assert config["BinderHub"]["use_registry"] is given.get("BinderHub", {}).get("use_registry", True)


def test_hub_url_and_extra_config_reach_binderd(chart):
    config = chart.template(
        "config:\n  BinderHub:\n    hub_url: http://203.0.113.7\n    image_prefix: gcr.io/p/binder-\n"
        "extraConfig:\n  10-banner: c.BinderHub.banner_message = 'hello'\n"
    ).binderd_config()
    assert config["config"]["BinderHub"]["hub_url"] == "http://203.0.113.7"
    assert config["extraConfig"] == {"10-banner": "c.BinderHub.banner_message = 'hello'"}


def test_step_3_5_installs_without_hub_url(chart):
    # the guide installs first and sets hub_url afterwards (helm upgrade); binderd finds the hub meanwhile
    rendered = chart.template("registry:\n  username: u\n  password: p\n")
    assert "hub_url" not in rendered.binderd_config()["config"]["BinderHub"]
    validate_all(rendered, OLDEST_KUBE)


def test_a_changed_config_restarts_binderd(chart):
    before = chart.template().get("Deployment", "binder")["spec"]["template"]["metadata"]["annotations"]
    after = chart.template("config:\n  BinderHub:\n    hub_url: http://203.0.113.7\n").get(
        "Deployment", "binder")["spec"]["template"]["metadata"]["annotations"]
    assert before["checksum/config"] != after["checksum/config"]


def hub_token_ref(rendered) -> tuple[str, str]:
    env = {e["name"]: e for e in rendered.binder_container()["env"]}
    ref = env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"]
    return ref["name"], ref["key"]


def test_binderd_hub_token_is_the_hub_services_binder_token(chart):
    rendered = chart.template("jupyterhub:\n  hub:\n    services:\n      binder:\n        apiToken: s3cr3t-token\n")
    name, key = hub_token_ref(rendered)
    assert (name, key) == ("hub", "hub.services.binder.apiToken")
    assert rendered.secret_data(name, key) == "s3cr3t-token"
    assert "s3cr3t-token" not in yaml.safe_dump(rendered.binderd_config())


def test_hub_token_is_generated_when_not_given(chart):
    rendered = chart.template()
    name, key = hub_token_ref(rendered)
    token = rendered.secret_data(name, key)
    assert len(token) >= 32 and token.isalnum()


def test_jupyterhub_values_pass_through(chart):
    rendered = chart.template(
        "jupyterhub:\n  proxy:\n    secretToken: proxy-token\n  hub:\n    config:\n      JupyterHub:\n"
        "        admin_access: false\n  cull:\n    timeout: 600\n"
    )
    hub_values = yaml.safe_load(rendered.secret_data("hub", "values.yaml"))
    assert hub_values["proxy"]["secretToken"] == "proxy-token"
    assert hub_values["cull"] == {"enabled": True, "users": True, "timeout": 600}
    assert hub_values["hub"]["config"]["JupyterHub"] == {"authenticator_class": "null", "admin_access": False}
    assert hub_values["hub"]["config"]["BinderSpawner"] == {"auth_enabled": False}
    assert hub_values["hub"]["loadRoles"]["binder"] == {"services": ["binder"], "scopes": ["servers", "admin:users"]}
    assert hub_values["hub"]["services"]["binder"]["display"] is False
    assert list(hub_values["hub"]["extraConfig"]) == ["0-binderspawnermixin", "00-binder"]
    # the mixin picks the server command; the jupyterhub chart's default is removed
    assert "cmd" not in hub_values["singleuser"]


def test_user_pods_network_policy_blocks_metadata_and_cluster(chart):
    netpol = yaml.safe_load(chart.template().secret_data("hub", "values.yaml"))["singleuser"]["networkPolicy"]
    assert netpol["enabled"] is True
    rules = netpol["egressAllowRules"]
    assert rules["cloudMetadataServer"] is False and rules["privateIPs"] is False
    assert rules["nonPrivateIPs"] is True and rules["dnsPortsKubeSystemNamespace"] is True
    (ipv6,) = [block["ipBlock"] for rule in netpol["egress"] for block in rule["to"]]
    assert ipv6["cidr"] == "::/0" and "fd00:ec2::254/128" in ipv6["except"]


def test_typo_in_values_names_the_key(chart):
    with pytest.raises(HelmError, match="registy"):
        chart.template("registy:\n  url: https://gcr.io\n")
    with pytest.raises(HelmError, match="replicas"):
        chart.template("replicas: two\n")
    with pytest.raises(HelmError, match="imageBuilderType"):
        chart.template("imageBuilderType: kaniko\n")
    with pytest.raises(HelmError, match="usernme"):
        chart.template("registry:\n  usernme: x\n")
    # config.* stays free-form: binderd itself validates classes and options
    chart.template("config:\n  SomeFutureClass:\n    option: 1\n")


def test_binderd_runs_locked_down(chart):
    rendered = chart.template()
    pod = rendered.get("Deployment", "binder")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 1000
    container = rendered.binder_container()
    assert container["securityContext"] == {
        "runAsNonRoot": True, "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert {m["mountPath"]: m["name"] for m in container["volumeMounts"]}["/tmp"] == "tmp"
    assert volumes["tmp"] == {"name": "tmp", "emptyDir": {}}
    assert not [v for v in pod["volumes"] if "hostPath" in v]
    env = {e["name"]: e for e in container["env"]}
    assert env["BUILD_NAMESPACE"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}


def test_rbac_is_least_privilege_in_the_namespace(chart):
    rendered = chart.template()
    role = rendered.get("Role", "binderd")
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch", "create", "delete"]},
        {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["services"], "verbs": ["get"]},
    ]
    assert not rendered.kinds("ClusterRole") and not rendered.kinds("ClusterRoleBinding")
    binding = rendered.get("RoleBinding", "binderd")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "binderd", "namespace": "binder"}]
    assert rendered.get("Deployment", "binder")["spec"]["template"]["spec"]["serviceAccountName"] == "binderd"
    assert not chart.template("rbac:\n  enabled: false\n").kinds("Role")


@pytest.mark.parametrize("base_url", ["/", "/binder/"])
def test_probes_and_scrape_annotations_follow_base_url(chart, base_url):
    rendered = chart.template(f"config:\n  BinderHub:\n    base_url: {base_url}\n")
    container = rendered.binder_container()
    ready, live = container["readinessProbe"], container["livenessProbe"]
    assert ready["httpGet"] == live["httpGet"] == {"path": f"{base_url}versions", "port": "binder"}
    assert (ready["initialDelaySeconds"], ready["periodSeconds"], ready["failureThreshold"], ready["timeoutSeconds"]) == (0, 5, 1000, 3)
    assert (live["initialDelaySeconds"], live["periodSeconds"], live["failureThreshold"], live["timeoutSeconds"]) == (10, 5, 3, 10)
    service = rendered.get("Service", "binder")
    assert service["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
    assert service["metadata"]["annotations"]["prometheus.io/path"] == f"{base_url}metrics"
    assert service["spec"]["ports"][0]["port"] == 80 and service["spec"]["ports"][0]["targetPort"] == "binder"


def test_pdb(chart):
    assert chart.template().get("PodDisruptionBudget", "binder")["spec"]["maxUnavailable"] == 1
    assert chart.template("pdb:\n  minAvailable: 1\n").get("PodDisruptionBudget", "binder")["spec"] == {
        "minAvailable": 1, "selector": {"matchLabels": {"app": "binder", "component": "binder", "release": "binder"}},
    }
    assert not chart.template("pdb:\n  enabled: false\n").kinds("PodDisruptionBudget")


@pytest.mark.parametrize("builder, socket, image", [
    ("host", "unix:///var/run/docker.sock", None),
    ("dind", "unix:///var/run/dind/docker.sock", "docker.io/library/docker:28.3.3-dind"),
    ("pink", "unix:///var/run/pink/podman.sock", "quay.io/podman/stable:v5.8.1"),
])
@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
def test_image_builder_types(chart, builder, socket, image, kube_version):
    rendered = chart.template(f"imageBuilderType: {builder}\n", kube_version=kube_version)
    validate_all(rendered, kube_version)
    executor = rendered.binderd_config()["config"]["KubernetesBuildExecutor"]
    assert executor["docker_host"] == socket
    assert executor["push_secret"] == "binder-build-docker-config"
    daemonsets = [d for d in rendered.kinds("DaemonSet") if d["metadata"]["labels"]["component"] == "image-builder"]
    if image is None:
        assert not daemonsets
        return
    (daemonset,) = daemonsets
    assert daemonset["metadata"]["name"] == f"binder-{builder}"
    assert daemonset["spec"]["template"]["metadata"]["labels"]["component"] == "image-builder"
    assert daemonset["spec"]["template"]["spec"]["containers"][0]["image"] == image
    assert socket.removeprefix("unix://") in " ".join(daemonset["spec"]["template"]["spec"]["containers"][0]["args"])
    cleaner = rendered.get("DaemonSet", "binder-image-cleaner")["spec"]["template"]["spec"]["containers"][0]
    assert {e["name"]: e.get("value") for e in cleaner["env"]}["DOCKER_IMAGE_CLEANER_PATH_TO_CHECK"] == f"/var/lib/{builder}"


def test_build_image_and_explicit_executor_config(chart):
    executor = chart.template().binderd_config()["config"]["KubernetesBuildExecutor"]
    assert executor["build_image"] == "binderd/repo2docker:2024.07.0"
    assert executor["repo2docker_config"] == "/etc/binderd/repo2docker_config.py"  # in images/repo2docker
    rendered = chart.template("buildImage:\n  name: quay.io/jupyterhub/repo2docker\n  tag: 2024.07.0\n  repo2dockerConfig: null\n")
    executor = rendered.binderd_config()["config"]["KubernetesBuildExecutor"]
    assert executor["build_image"] == "quay.io/jupyterhub/repo2docker:2024.07.0" and "repo2docker_config" not in executor
    rendered = chart.template("config:\n  KubernetesBuildExecutor:\n    build_image: mine:1\n    docker_host: /run/x.sock\n")
    executor = rendered.binderd_config()["config"]["KubernetesBuildExecutor"]
    assert (executor["build_image"], executor["docker_host"]) == ("mine:1", "/run/x.sock")
    assert "repo2docker_config" not in executor  # a path in binderd's build image only


def test_without_registry_binderd_checks_the_node_engine(chart):
    rendered = chart.template("config:\n  BinderHub:\n    use_registry: false\n")
    assert not [s for s in rendered.kinds("Secret") if s["metadata"]["name"] == "binder-build-docker-config"]
    assert rendered.binderd_config()["config"]["KubernetesBuildExecutor"]["push_secret"] == ""
    container = rendered.binder_container()
    assert {m["name"]: m["mountPath"] for m in container["volumeMounts"]}["docker-socket"] == "/var/run/docker.sock"
    validate_all(rendered, OLDEST_KUBE)


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
def test_pod_options(chart, kube_version):
    rendered = chart.template(
        "replicas: 2\nimage:\n  name: registry.example.org/binderd\n  tag: '1.2'\n  pullSecrets: [pull]\n"
        "nodeSelector:\n  pool: core\ntolerations:\n  - {key: dedicated, operator: Equal, value: core, effect: NoSchedule}\n"
        "resources:\n  limits:\n    memory: 1Gi\nextraEnv:\n  LOG_FORMAT: json\n  FROM_SECRET:\n"
        "    valueFrom:\n      secretKeyRef: {name: s, key: k}\n"
        "extraVolumes:\n  - {name: extra, configMap: {name: extra}}\nextraVolumeMounts:\n  - {name: extra, mountPath: /etc/extra}\n"
        "podAnnotations:\n  team: binder\nservice:\n  type: NodePort\n  nodePort: 30901\n"
        "ingress:\n  enabled: true\n  ingressClassName: nginx\n  hosts: [binder.example.org]\n"
        "  tls:\n    - {hosts: [binder.example.org], secretName: binder-tls}\n",
        kube_version=kube_version,
    )
    validate_all(rendered, kube_version)
    deployment = rendered.get("Deployment", "binder")
    pod = deployment["spec"]["template"]["spec"]
    container = rendered.binder_container()
    assert deployment["spec"]["replicas"] == 2
    assert container["image"] == "registry.example.org/binderd:1.2"
    assert pod["imagePullSecrets"] == [{"name": "pull"}]
    assert pod["nodeSelector"] == {"pool": "core"} and pod["tolerations"][0]["key"] == "dedicated"
    assert container["resources"] == {"limits": {"memory": "1Gi"}, "requests": {"cpu": "0.2", "memory": "512Mi"}}
    env = {e["name"]: e for e in container["env"]}
    assert env["LOG_FORMAT"] == {"name": "LOG_FORMAT", "value": "json"}
    assert env["FROM_SECRET"]["valueFrom"] == {"secretKeyRef": {"name": "s", "key": "k"}}
    assert {"name": "extra", "mountPath": "/etc/extra"} in container["volumeMounts"]
    assert deployment["spec"]["template"]["metadata"]["annotations"]["team"] == "binder"
    assert rendered.get("Service", "binder")["spec"]["ports"][0]["nodePort"] == 30901
    ingress = rendered.get("Ingress", "binder")
    assert ingress["spec"]["rules"][0]["host"] == "binder.example.org"
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"] == {"name": "binder", "port": {"number": 80}}


def test_binderd_reads_every_top_level_key_of_its_own_chart():
    # binderd -f on a values file written for this chart must not stop at one of its keys.
    import os

    from binderd.config.loader import CHART_ONLY_KEYS
    from tests.helm.chart import CHART

    with open(os.path.join(CHART, "values.yaml")) as f:
        keys = set(yaml.safe_load(f))
    assert keys - CHART_ONLY_KEYS <= {"config", "extraConfig", "jupyterhub", "registry"}
