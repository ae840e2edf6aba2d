"""The error answers every API operation can give, added to the OpenAPI schema in one place.

drf-spectacular documents each view's success response; the errors come from shared
machinery (authentication, the business lookup, validation, throttling) and are the same
shape everywhere, so one postprocessing hook documents them for every operation instead
of each view repeating them. A client generated from the schema then knows that another
business's id is a 404, a bad token a 401, and so on.
"""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A refused field comes back keyed by its name; a refusal of the whole request as "detail".
VALIDATION_ERROR = {
    "type": "object",
    "additionalProperties": {
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
    },
}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


COMMON = {
    "401": _json("No token, or a token that is wrong or revoked.", ERROR),
    "403": _json("Your role in this business may not do this.", ERROR),
    "404": _json("No such business, or no such object in it (another business's are 404).", ERROR),
    "429": _json("Too many requests; try again after the Retry-After header's seconds.", ERROR),
}
BAD_REQUEST = _json("The request was refused: each field's problem, or a detail.", VALIDATION_ERROR)


def add_error_responses(result: dict[str, Any], generator, request, public: bool) -> dict[str, Any]:
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, response in COMMON.items():
                if status == "404" and "{" not in path:
                    continue
                responses.setdefault(status, response)
            if method in {"post", "put", "patch"} or operation.get("parameters"):
                responses.setdefault("400", BAD_REQUEST)
            if method in {"post", "put", "patch"}:
                # Refused by a business rule (e.g. the reply rule), with the reason.
                responses.setdefault("409", _json("Not allowed now; the detail says why.", ERROR))
    return result
