"""The generated deployment catalogue: ``deployments/generated/catalog-NNN.yaml``.

The hand-written manifests (base, overlays, Helm chart, gateway) are templates; this module
writes the large, regular part: one manifest document per service of a fleet, deterministic
for a given count. The example's ``tests/conftest.py`` parses and validates all of it with
PyYAML's pure-Python loader at import: that is the example's real start-up cost, and the
count is what ``startup_manifests`` sets.
"""

from __future__ import annotations

DOCUMENTS_PER_FILE = 100
TEAMS = ("payments", "catalog", "checkout", "search", "identity", "fulfilment")
TIERS = ("frontend", "backend", "worker")
CPU_REQUESTS = ("100m", "250m", "500m")
MEMORY_REQUESTS = ("128Mi", "256Mi", "512Mi")


def _labels(name: str, index: int) -> str:
    return (
        f"    app: {name}\n"
        f"    team: {TEAMS[index % len(TEAMS)]}\n"
        f"    tier: {TIERS[index % len(TIERS)]}\n"
        f"    app.kubernetes.io/part-of: shopfront-fleet\n"
    )


def _deployment(name: str, index: int) -> str:
    cpu, memory = CPU_REQUESTS[index % 3], MEMORY_REQUESTS[(index // 3) % 3]
    env = "".join(
        f'            - name: FEATURE_{n}\n              value: "{(index + n) % 2 == 0}"\n'
        for n in range(index % 4)
    )
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
        f"  name: {name}\n  namespace: fleet\n  labels:\n{_labels(name, index)}"
        "  annotations:\n"
        f"    shopfront.example.com/owner: {TEAMS[index % len(TEAMS)]}@example.com\n"
        f"    shopfront.example.com/runbook: https://runbooks.example.com/{name}\n"
        "spec:\n"
        f"  replicas: {1 + index % 3}\n"
        f"  selector:\n    matchLabels:\n      app: {name}\n"
        f"  template:\n    metadata:\n      labels:\n        app: {name}\n"
        f"    spec:\n      serviceAccountName: {name}-sa\n      automountServiceAccountToken: false\n"
        "      containers:\n"
        f"        - name: app\n          image: registry.example.com/fleet/{name}:1.{index % 7}.{index % 11}\n"
        "          ports:\n            - containerPort: 8080\n              name: http\n"
        "          env:\n"
        "            - name: LOG_LEVEL\n              value: info\n"
        "            - name: REDIS_PASSWORD\n              valueFrom:\n                secretKeyRef:\n"
        "                  name: redis-auth\n                  key: redis-password\n"
        f"{env}"
        "          readinessProbe:\n            httpGet:\n              path: /healthz\n              port: http\n"
        "            periodSeconds: 10\n"
        "          resources:\n"
        f"            requests:\n              cpu: {cpu}\n              memory: {memory}\n"
        f"            limits:\n              cpu: {cpu}\n              memory: {memory}\n"
    )


def _service(name: str, index: int) -> str:
    return (
        "apiVersion: v1\nkind: Service\nmetadata:\n"
        f"  name: {name}\n  namespace: fleet\n  labels:\n{_labels(name, index)}"
        f"spec:\n  selector:\n    app: {name}\n"
        "  ports:\n    - name: http\n      port: 80\n      targetPort: http\n"
    )


def _config_map(name: str, index: int) -> str:
    return (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
        f"  name: {name}-config\n  namespace: fleet\n  labels:\n{_labels(name, index)}"
        f'data:\n  LOG_LEVEL: info\n  CACHE_TTL_SECONDS: "{60 * (1 + index % 5)}"\n'
        f"  UPSTREAM_URL: http://{name}.fleet.svc.cluster.local\n"
    )


def _autoscaler(name: str, index: int) -> str:
    return (
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n"
        f"  name: {name}\n  namespace: fleet\n  labels:\n{_labels(name, index)}"
        f"spec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: {name}\n"
        f"  minReplicas: 2\n  maxReplicas: {4 + index % 9}\n"
        "  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n"
        "        target:\n          type: Utilization\n          averageUtilization: 70\n"
    )


def document(index: int) -> str:
    """Manifest document ``index`` of the catalogue (mostly Deployments, the heaviest to parse)."""
    name = f"svc-{index:05d}"
    slot = index % 10
    if slot == 7:
        return _service(name, index)
    if slot == 8:
        return _config_map(name, index)
    if slot == 9:
        return _autoscaler(name, index)
    return _deployment(name, index)


def files(count: int) -> dict[str, str]:
    """``count`` documents split into files of at most DOCUMENTS_PER_FILE, by path."""
    out = {}
    for start in range(0, count, DOCUMENTS_PER_FILE):
        stop = min(count, start + DOCUMENTS_PER_FILE)
        header = f"# Generated fleet catalogue, documents {start}-{stop - 1}. Do not edit by hand.\n"
        body = "---\n".join(document(index) for index in range(start, stop))
        out[f"deployments/generated/catalog-{start // DOCUMENTS_PER_FILE:03d}.yaml"] = header + body
    return out
