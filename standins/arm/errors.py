"""The two error bodies the stand-in answers with, as Azure answers them.

ARM's own refusals (sign-in, permission, missing resource) carry ARM's
{"error": {"code", "message"}}; App Service's own carry {"Code", "Message", "Target",
"Details", "Innererror"}, which scripts/stages/app_service_errors.py reads.
"""

from __future__ import annotations

from starlette.responses import JSONResponse


def arm_error(status: int, code: str, message: str) -> JSONResponse:
    """ARM's own error body (authentication, authorisation, missing resources)."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def app_service_error(status: int, code: str, message: str) -> JSONResponse:
    """App Service's own error body, as in azure-docs' Microsoft.Web `statusMessage` example."""
    body = {
        "Code": code,
        "Message": message,
        "Target": None,
        "Details": [
            {"Message": message},
            {"Code": code},
            {"ErrorEntity": {"Code": code, "Message": message, "ExtendedCode": "04000"}},
        ],
        "Innererror": None,
    }
    return JSONResponse(body, status_code=status)
