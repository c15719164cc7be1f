"""Talking to a CrossGuard pack the way the Pulumi CLI does: a process and the Analyzer gRPC.

The pack is started as `python -m pulumi.policy <engine> <pack dir>`; it prints the port
of its Analyzer server on stdout. Each resource goes through `Analyze`, then the whole
graph through `AnalyzeStack`, exactly as `pulumi preview --policy-pack` would send them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from scripts.stages.preview import PROJECT_ROOT, read_stack_config, run_plan
from scripts.stages.process import ManagedProcess
from taskhub.errors import DurableDeployError

PACK_DIR = PROJECT_ROOT / "policies"
# The pack only logs to the engine; nothing listens here and nothing needs to.
_NO_ENGINE = "127.0.0.1:1"


class PolicyLevel(StrEnum):
    """A violation's enforcement level (`level` in `check --json`)."""

    ADVISORY = "advisory"
    MANDATORY = "mandatory"
    DISABLED = "disabled"
    REMEDIATE = "remediate"


# analyzer.proto EnforcementLevel numbers.
LEVELS = {
    0: PolicyLevel.ADVISORY,
    1: PolicyLevel.MANDATORY,
    2: PolicyLevel.DISABLED,
    3: PolicyLevel.REMEDIATE,
}


class AnalyzerError(DurableDeployError):
    """The pack could not be started or answered with an error."""


@dataclass(frozen=True)
class GraphResource:
    type: str
    name: str
    properties: Mapping[str, Any]
    parent: str | None = None


@dataclass(frozen=True)
class Violation:
    policy: str
    level: PolicyLevel | str
    """A PolicyLevel; the number itself for a level this toolkit does not know."""
    resource: str
    message: str
    remediation: str

    @property
    def mandatory(self) -> bool:
        """A mandatory violation fails `check` (exit 1); the others are listed."""
        return self.level is PolicyLevel.MANDATORY

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def _urn(project: str, stack: str, type_: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def _pack_environment(pack_dir: Path) -> dict[str, str]:
    """This process's environment with the pack's own checkout first on the import path.

    The pack imports `policies` and `taskhub`. Its directory alone is on `sys.path`, so
    without this those imports fall through to whatever editable install the interpreter
    has (setuptools appends its finder to `sys.meta_path`, after every path entry), and in a
    virtualenv shared by several checkouts another checkout's rules would answer.
    PYTHONPATH entries are searched before site-packages and before that finder.
    """
    search = [str(pack_dir.resolve().parent), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in search if p)}


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    json_format.ParseDict(dict(values), struct)
    return struct


class PolicyAnalyzer(ManagedProcess):
    def __init__(
        self, pack_dir: Path = PACK_DIR, *, project: str = "project", stack: str = "stack"
    ) -> None:
        super().__init__()
        self.pack_dir = pack_dir
        self.project, self.stack = project, stack
        self._channel: grpc.Channel | None = None
        self.stub: analyzer_pb2_grpc.AnalyzerStub | None = None

    def start(self, timeout: float = 60.0) -> PolicyAnalyzer:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "pulumi.policy", _NO_ENGINE, str(self.pack_dir)],
            stdout=subprocess.PIPE,
            stderr=self._log,
            cwd=self.pack_dir,
            env=_pack_environment(self.pack_dir),
        )
        port: list[str] = []
        reader = threading.Thread(
            target=lambda: port.append(self._process.stdout.readline().decode().strip()),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        reader.join(timeout)
        if not port or not port[0].isdigit():
            self.stop()
            raise AnalyzerError(
                f"the policy pack did not start: {self.log_tail()}",
                fix="install the pack's requirements (policies/requirements.txt) in this "
                "environment; `python -m pulumi.policy` must run",
            )
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port[0]}")
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        return self

    def stop(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        super().stop()

    def _stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        if self.stub is None:
            raise AnalyzerError(
                "the analyzer is not started", fix="use PolicyAnalyzer as a context manager"
            )
        return self.stub

    def policies(self) -> dict[str, analyzer_pb2.PolicyInfo]:
        info = self._stub().GetAnalyzerInfo(empty_pb2.Empty())
        return {p.name: p for p in info.policies}

    def configure(self, config: Mapping[str, Mapping[str, Any]]) -> None:
        """Policy config as `--policy-pack-config` would pass it: {policy: {key: value}}."""
        levels: dict[str, Any] = {p.name: p.enforcementLevel for p in self.policies().values()}
        request = analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                name: analyzer_pb2.PolicyConfig(
                    enforcementLevel=levels.get(name, 0), properties=_struct(values)
                )
                for name, values in config.items()
            }
        )
        self._stub().Configure(request)

    def analyze(self, resources: Iterable[GraphResource]) -> list[Violation]:
        resources = list(resources)
        info = self.policies()
        urns = {r.name: _urn(self.project, self.stack, r.type, r.name) for r in resources}
        diagnostics: list[Any] = []
        stub = self._stub()
        try:
            for r in resources:
                diagnostics += stub.Analyze(
                    analyzer_pb2.AnalyzeRequest(
                        type=r.type,
                        properties=_struct(r.properties),
                        urn=urns[r.name],
                        name=r.name,
                    )
                ).diagnostics
            diagnostics += stub.AnalyzeStack(
                analyzer_pb2.AnalyzeStackRequest(
                    resources=[
                        analyzer_pb2.AnalyzerResource(
                            type=r.type,
                            properties=_struct(r.properties),
                            urn=urns[r.name],
                            name=r.name,
                            parent=urns.get(r.parent or "", ""),
                        )
                        for r in resources
                    ]
                )
            ).diagnostics
        except grpc.RpcError as exc:
            raise AnalyzerError(
                f"the policy pack failed: {exc}",
                fix="a rule raised: `pulumi preview --policy-pack policies` shows its traceback",
            ) from exc
        return [
            Violation(
                policy=d.policyName,
                level=LEVELS.get(d.enforcementLevel, str(d.enforcementLevel)),
                resource=d.urn.rsplit("::", 1)[-1] if d.urn else "(stack)",
                message=d.message,
                remediation=info[d.policyName].remediation_steps if d.policyName in info else "",
            )
            for d in diagnostics
        ]


@dataclass(frozen=True)
class StackCheck:
    """A stack's offline plan as the pack judged it."""

    resources: int
    violations: list[Violation]

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.mandatory]


def check_stack(stack: str, root: Path, config: Mapping[str, Any]) -> StackCheck:
    """Plans `stack` offline and runs every resource through the pack, as `pulumi preview
    --policy-pack` would (`config`: the pack's policy config, as --policy-pack-config)."""
    project, _, _ = read_stack_config(stack, root)
    plan = run_plan(stack, root)
    with PolicyAnalyzer(project=project, stack=stack) as analyzer:
        if config:
            analyzer.configure(config)
        violations = analyzer.analyze(
            GraphResource(r.type, r.name, r.raw_inputs, r.parent) for r in plan.resources
        )
    return StackCheck(len(plan.resources), violations)
