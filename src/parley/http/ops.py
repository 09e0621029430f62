"""Operations: liveness, readiness and metrics."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import SkipValidation
from prometheus_client import CONTENT_TYPE_LATEST

from parley.domain.ports import Store
from parley.http.errors import problems
from parley.http.guards import SCHEME, metrics_reader
from parley.http.observe import Observer


class Health(msgspec.Struct, frozen=True):
    status: str


class OpsController(Controller):
    tags = ["operations"]

    @get("/healthz")
    async def healthz(self) -> Health:
        """The process is up."""
        return Health("ok")

    @get("/readyz", responses=problems(503))
    async def readyz(self, store: SkipValidation[NamedDependency[Store]]) -> Health:
        """The database answers."""
        if not await store.ping():
            raise HTTPException(status_code=503, detail="the database does not answer")
        return Health("ready")


class MetricsController(Controller):
    """Prometheus text exposition: for the monitoring system and admins, never for the public."""

    tags = ["operations"]
    guards = [metrics_reader]
    security = [{SCHEME: ["metrics"]}]

    @get("/metrics", media_type="text/plain", summary="Metrics", responses=problems(401, 403))
    async def metrics(self, observer: NamedDependency[Observer]) -> Response[bytes]:
        """Requests answered (by route and status sent), their durations and the answers built, over every server
        process, in the Prometheus text format.

        Needs `Authorization: Bearer` with PARLEY_METRICS_TOKEN or an admin token: the counts show moderators'
        activity hour by hour."""
        return Response(observer.exposition(), media_type=CONTENT_TYPE_LATEST)
