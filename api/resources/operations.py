"""Operations endpoints: liveness, readiness, metrics, and the OpenAPI document. Never rate limited."""

from __future__ import annotations

import flask

from api.caller.database import get_database
from api.http import metrics, openapi
from api.http.errors import ServiceUnavailable
from api.limits import policy, unlimited
from chirp.queries import QUERIES

# Probes and metrics must answer however busy a caller is: no rate limit counts them.
blueprint = unlimited(flask.Blueprint("ops", __name__))


@blueprint.get("/healthz")
def healthz():
    """200 while the process runs; it does not touch the database."""
    return {"status": "ok"}


@blueprint.get("/readyz")
def readyz():
    """200 when the database and the rate-limit storage answer this worker, else 503 saying which.

    The pool drops connections that died while idle before handing one out (chirp.pools), so a
    worker whose connections all died in a database restart answers 200 as soon as it can reconnect.
    """
    with get_database().owner_transaction() as connection:
        connection.execute(QUERIES["ping"]).fetchone()
    if not policy.storage_answers(flask.current_app):
        raise ServiceUnavailable("the rate-limit storage is unavailable; retry shortly")
    return {"status": "ready"}


@blueprint.get("/metrics")
def prometheus_metrics():
    """Prometheus text format."""
    return metrics.exposition()


@blueprint.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3 description of every endpoint."""
    return openapi.DOCUMENT
