"""Travellers for the load test (bench/load_test.py runs this headless): most browse the
catalogue; some check a promo code, check out, pay on the sandbox's Paddle page and read their
order until its eSIMs are there. Names group the requests per endpoint in the results."""

import random
import re

from locust import HttpUser, between, task

COUNTRIES = ["JP", "TH", "ID", "SG", "KR", "US", "FR", "DE", "GB", "AU", "VN", "MY"]
PROMO_CODE = "LOADTEST10"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Traveller(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.package_ids: list[str] = []

    @task(6)
    def browse(self) -> None:
        country = random.choice(COUNTRIES)
        answer = self.client.get(
            f"/api/v1/packages?country={country}&page_size=20",
            name="catalogue: list",
        )
        packages = answer.json()["data"]["packages"] if answer.ok else []
        if packages:
            chosen = random.choice(packages)
            if chosen["availability"]["isPurchasable"]:
                self.package_ids.append(chosen["id"])
            self.client.get(
                f"/api/v1/packages/{chosen['slug'] or chosen['id']}", name="catalogue: package"
            )

    @task(1)
    def buy(self) -> None:
        if not self.package_ids:
            return self.browse()
        items = [{"packageId": random.choice(self.package_ids), "quantity": 1}]
        email = f"traveller-{random.randrange(10**9)}@example.com"
        self.client.post(
            "/api/v1/checkout/validate-discount",
            json={"items": items, "email": email, "code": PROMO_CODE},
            name="checkout: validate code",
        )
        placed = self.client.post(
            "/api/v1/checkout",
            json={"items": items, "email": email, "code": PROMO_CODE},
            name="checkout: create",
        )
        if placed.status_code != 201:
            return
        order = placed.json()["data"]
        self._pay(order["checkout_url"])
        for _ in range(3):  # the traveller looks at the order page a few times
            self.client.get(
                f"/api/v1/orders/{order['order_id']}?token={order['access_token']}",
                name="order: read",
            )

    def _pay(self, checkout_url: str) -> None:
        # Paddle's page, on the providers' server (an absolute address: not the shop's host).
        page = self.client.get(checkout_url, name="paddle (sandbox): checkout page")
        token = CSRF.search(page.text)
        if token is None:
            return
        transaction_id = checkout_url.split("_ptxn=")[1]
        self.client.post(
            checkout_url,
            data={"csrfmiddlewaretoken": token.group(1), "action": "pay", "_ptxn": transaction_id},
            headers={"Referer": checkout_url},
            # The CSRF cookie is Secure (DEBUG off) and the bench speaks plain HTTP: the jar
            # would keep it back, so it is handed over as a browser behind TLS would send it.
            cookies={"csrftoken": page.cookies.get("csrftoken") or ""},
            name="paddle (sandbox): pay",
        )
