"""Page-number pagination whose answer fits inside the envelope's `data`."""

from typing import Any

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response


class PagePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response(self, data: Any) -> Response:
        if self.page is None:  # DRF calls this only after paginate_queryset found a page
            raise RuntimeError("get_paginated_response called before paginate_queryset")
        paginator = self.page.paginator
        return Response(
            {
                "results": data,
                "pagination": {
                    "page": self.page.number,
                    "page_size": paginator.per_page,
                    "total": paginator.count,
                    "total_pages": paginator.num_pages,
                },
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results", "pagination"],
            "properties": {
                "results": schema,
                "pagination": {
                    "type": "object",
                    "properties": {
                        name: {"type": "integer"}
                        for name in ("page", "page_size", "total", "total_pages")
                    },
                },
            },
        }
