"""The sandbox's hosted Paddle checkout, pressed like a customer would (real HTTP)."""

import re

import requests


def press(server_url: str, transaction_id: str, action: str) -> requests.Response:
    """Opens the checkout page of `transaction_id` and presses "pay" or "decline"."""
    page = f"{server_url}/sandbox/paddle/checkout?_ptxn={transaction_id}"
    session = requests.Session()
    form = session.get(page, timeout=5)
    token = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)[0]
    return session.post(
        page,
        data={"csrfmiddlewaretoken": token, "action": action, "_ptxn": transaction_id},
        headers={"Referer": page},
        timeout=10,
    )
