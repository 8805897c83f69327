"""Every customer email rendered with sample data, for staff to check before (or after) a
template change. Nothing is sent; QR codes are shown inline as data URIs."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import segno
from django.template.loader import render_to_string
from django.utils import timezone

TEMPLATES = (
    "order_confirmation",
    "esim_delivery",
    "usage_alert",
    "expiry_reminder",
    "expiry_warning",
    "esim_refunded",
)


def _qr(text: str) -> str:
    image = io.BytesIO()
    segno.make(text, error="m").save(image, kind="png", scale=4, border=2)
    return "data:image/png;base64," + base64.b64encode(image.getvalue()).decode()


def sample_context() -> dict[str, Any]:
    now = timezone.now()
    order = SimpleNamespace(
        order_number="ORD-20261225-SAMPL",
        customer_name="Ana Traveller",
        created_at=now,
        expires_at=now + timedelta(hours=1),
    )
    item = SimpleNamespace(package_name="Japan 10GB 30 days", quantity=2)
    profiles = [
        SimpleNamespace(
            iccid=f"89852000000000000{index}",
            sm_dp_address="smdp.example.com",
            activation_code=f"K2-SAMPLE-{index}",
            manual_code=f"LPA:1$smdp.example.com$K2-SAMPLE-{index}",
            short_url="",
            qr_code_url="https://example.com/qr.png",
            order_item=item,
            usage_percentage=82,
            expires_at=now + timedelta(days=2),
            resource_ready_at=now - timedelta(days=83),
            refund_eligible_at=now + timedelta(days=7),
            refunded_at=now,
        )
        for index in (1, 2)
    ]
    return {
        "order": order,
        "items": [item],
        "total": "$25.98",
        "discount": "$2.00",
        "pay_url": "https://pay.example.com/?_ptxn=txn_sample",
        "order_url": "https://shop.example.com/orders/sample?token=…",
        "numbered": [
            {"number": n, "profile": p, "qr_cid": _qr(p.manual_code)}
            for n, p in enumerate(profiles, start=1)
        ],
        "profile": profiles[0],
        "qr_cid": _qr(profiles[0].manual_code),
        "package_name": item.package_name,
        "used": "8.2 GB",
        "total_data": "10.0 GB",
    }


def render_preview(template: str) -> dict[str, str]:
    context = sample_context()
    if template in ("usage_alert", "expiry_reminder"):
        context["total"] = context["total_data"]
    html = str(render_to_string(f"emails/{template}.html", context))
    # In a real email the QR codes are attachments ("cid:"); here they are inline images.
    html = html.replace('src="cid:data:', 'src="data:')
    return {"text": render_to_string(f"emails/{template}.txt", context), "html": html}
