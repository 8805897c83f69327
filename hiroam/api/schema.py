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


def drop_request_suffix(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    """Gives request components their serializers' names back ("LoginInputRequest" ->
    "LoginInput"), which COMPONENT_SPLIT_REQUEST suffixes; a name both directions use keeps it."""
    schemas = result.get("components", {}).get("schemas", {})
    renames = {
        name: name.removesuffix("Request")
        for name in schemas
        if name.endswith("Request") and name.removesuffix("Request") not in schemas
    }
    _rename_refs(
        result,
        {f"#/components/schemas/{o}": f"#/components/schemas/{n}" for o, n in renames.items()},
    )
    result["components"]["schemas"] = {renames.get(k, k): v for k, v in schemas.items()}
    return result


def _rename_refs(node: Any, refs: dict[str, str]) -> None:
    if isinstance(node, dict):
        if node.get("$ref") in refs:
            node["$ref"] = refs[node["$ref"]]
        for value in node.values():
            _rename_refs(value, refs)
    elif isinstance(node, list):
        for value in node:
            _rename_refs(value, refs)
