"""OpenAPI post-processing: document the envelope the renderer really sends."""

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "required": ["success", "error"],
    "properties": {
        "success": {"type": "boolean", "enum": [False]},
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "example": "VALIDATION_ERROR"},
                "message": {"type": "string"},
                "details": {},
                "request_id": {"type": "string"},
            },
        },
    },
}


def wrap_in_envelope(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    """Wraps every 2xx JSON response schema in {"success": true, "data": <schema>}."""
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorEnvelope"] = ERROR_SCHEMA
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                if not str(status).startswith("2"):
                    continue
                for media in response.get("content", {}).values():
                    media["schema"] = {
                        "type": "object",
                        "required": ["success", "data"],
                        "properties": {
                            "success": {"type": "boolean", "enum": [True]},
                            "data": media.get("schema", {}),
                        },
                    }
            operation.setdefault("responses", {}).setdefault(
                "default",
                {
                    "description": "Error envelope",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ErrorEnvelope"}
                        }
                    },
                },
            )
    return result
