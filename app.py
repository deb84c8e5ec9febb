"""The service desk's Chalice app: registers the blueprints and the scheduled functions."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, Response

from chalicelib.api.admin import admin_blueprint
from chalicelib.api.auth import auth_blueprint
from chalicelib.api.tickets import tickets_blueprint
from chalicelib.observability import logger

app = Chalice(app_name="service-desk")
app.register_blueprint(auth_blueprint)
app.register_blueprint(tickets_blueprint)
app.register_blueprint(admin_blueprint)


@app.middleware("http")
def observe_request(event: Any, get_response: Any) -> Response:
    """Correlate every log line of a request with API Gateway's request id."""
    request_id = (event.context or {}).get("requestId")
    logger.set_correlation_id(request_id)
    logger.append_keys(path=event.path, method=event.method)
    response: Response = get_response(event)
    return response


@app.route("/health", methods=["GET"])
def health() -> dict[str, str]:
    return {"status": "ok"}
