"""The retry loop: transient codes retried with growing waits, others not at all."""

from __future__ import annotations

import grpc
import pytest

from taskhub.scheduler.grpc_errors import Retry, retrying


class Failure(grpc.RpcError):  # type: ignore[misc]
    def __init__(self, code: grpc.StatusCode) -> None:
        self._code = code

    def code(self) -> grpc.StatusCode:
        return self._code


def test_transient_codes_are_retried_with_exponential_backoff() -> None:
    waits: list[float] = []
    answers = iter([grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, None])

    def call() -> str:
        code = next(answers)
        if code is not None:
            raise Failure(code)
        return "answer"

    assert retrying(call, Retry(retries=5, backoff=0.5), waits.append) == "answer"
    assert waits == [0.5, 1.0]


def test_the_last_failure_leaves_after_the_retries() -> None:
    calls: list[int] = []

    def call() -> None:
        calls.append(1)
        raise Failure(grpc.StatusCode.RESOURCE_EXHAUSTED)

    with pytest.raises(Failure):
        retrying(call, Retry(retries=3, backoff=10, backoff_max=15), lambda _: None)
    assert len(calls) == 4
    assert [Retry(backoff=10, backoff_max=15).delay(n) for n in range(3)] == [10, 15, 15]


@pytest.mark.parametrize(
    "code",
    [grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INTERNAL],
)
def test_other_codes_are_not_retried(code: grpc.StatusCode) -> None:
    calls: list[int] = []

    def call() -> None:
        calls.append(1)
        raise Failure(code)

    with pytest.raises(Failure):
        retrying(call, Retry(retries=3), lambda _: None)
    assert calls == [1]
