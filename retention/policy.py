"""HIROAM's data retention policy (plan 24.1-24.2): every table holding personal or
operational data, how long it is kept, what happens then, and why. The one place it is
declared; the Admin page shows it and the daily job (retention.job) applies the rules that
have an age.

Ages follow the plan's 24.2 where it names one; where the plan is silent or its rule would
break the product, the reason says so. Financial records (orders, their items, eSIMs, refunds,
the points ledger) are never deleted or changed by this policy: only the person's contact data
on old guest orders goes, as an erasure (24.3) does it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.db.models import QuerySet

from retention import rules


class Action(StrEnum):
    DELETE = "delete"
    ANONYMISE = "anonymise"
    KEEP = "keep"  # not touched by the job: the reason says until when
    ELSEWHERE = "elsewhere"  # another job already removes it: the reason names it


@dataclass(frozen=True)
class Rule:
    key: str
    table: str  # what it covers, in words, with the table's name
    action: Action
    reason: str
    legal_basis: str
    after_days: int | None = None  # for the rules the job applies: the age that makes a row due
    kept_for: str = ""  # for the others: how long, in words
    due: Callable[[datetime], QuerySet[Any]] | None = None
    apply: rules.Apply | None = None

    def __post_init__(self) -> None:
        applied = self.action in (Action.DELETE, Action.ANONYMISE)
        has_all = None not in (self.after_days, self.due, self.apply)
        if applied != has_all:
            raise ValueError(f"{self.key}: a rule the job applies needs an age, due and apply")

    @property
    def is_applied(self) -> bool:
        return self.due is not None

    @property
    def age(self) -> str:
        return f"{self.after_days} days" if self.after_days is not None else self.kept_for

    def due_rows(self, now: datetime) -> QuerySet[Any]:
        """The rows past their age as of `now` that the rule has not handled yet."""
        if self.due is None or self.after_days is None:
            raise ValueError(f"{self.key} is not applied by the job")
        return self.due(now - timedelta(days=self.after_days))

    def apply_to(self, ids: list[Any], now: datetime) -> int:
        """Deletes or anonymises these rows (locked by the caller); answers how many."""
        if self.apply is None:
            raise ValueError(f"{self.key} is not applied by the job")
        return self.apply(ids, now)


LEGITIMATE_INTEREST = "Legitimate interest (GDPR art. 6(1)(f)): running and debugging the shop"
CONTRACT = "Contract (art. 6(1)(b)) while the purchase may still matter, then legal claims"
LEGAL_OBLIGATION = "Legal obligation (art. 6(1)(c)): tax and accounting records"

POLICY: tuple[Rule, ...] = (
    # ------------------------------------------------------------ applied by the daily job
    Rule(
        key="webhook_logs",
        table="Webhook logs (orders_webhooklog), once processed",
        action=Action.DELETE,
        after_days=30,
        reason="Plan 24.2: 30 days for debugging. Raw payloads carry the payer's name, email, "
        "address and Paddle customer id; what was paid stays on the order. A redelivery after "
        "that is applied idempotently. Unprocessed events are kept until processed.",
        legal_basis=LEGITIMATE_INTEREST,
        due=rules.processed_webhook_logs,
        apply=rules.delete_webhook_logs,
    ),
    Rule(
        key="abandoned_unpaid_orders",
        table="Unpaid orders (orders_order + items): expired, cancelled or failed, nothing "
        "held, never paid, not flagged for review",
        action=Action.DELETE,
        after_days=90,
        reason="No payment, so no tax record. 90 days leave room for a late payment (honoured "
        "while the order exists) and the customer's questions. Their emails and released promo "
        "code holds go with them.",
        legal_basis=LEGITIMATE_INTEREST,
        due=rules.abandoned_unpaid_orders,
        apply=rules.delete_unpaid_orders,
    ),
    Rule(
        key="orphan_email_logs",
        table="Email logs (orders_emaillog) whose order is gone",
        action=Action.DELETE,
        after_days=90,
        reason="Plan 24.2: 90 days for debugging. Email logs of existing orders are kept with "
        "them (see below).",
        legal_basis=LEGITIMATE_INTEREST,
        due=rules.orphan_email_logs,
        apply=rules.delete_email_logs,
    ),
    Rule(
        key="guest_order_contacts",
        table="Guest orders (orders_order without an account): email, name, Paddle customer "
        "id; on their emails, promo code uses, Paddle events and audit entries too",
        action=Action.ANONYMISE,
        after_days=730,
        reason="Plan silent. 2 years: longer than our packages last (a year at most), the "
        "90-day refund and the card networks' longest dispute window (540 days). Then the tax "
        "record needs the amounts, not the person: the order, its items, eSIMs and every "
        "amount stay (as in an erasure). Orders being paid, delivered, refunded or flagged for "
        "review wait.",
        legal_basis=CONTRACT,
        due=rules.old_guest_orders,
        apply=rules.anonymise_guests,
    ),
    Rule(
        key="audit_entries",
        table="Admin audit trail (accounts_adminauditentry), except erasure records",
        action=Action.DELETE,
        after_days=365,
        reason="Plan 24.2: 1 year for compliance. The values before and after may quote "
        "customers. Erasure records name nobody and prove a request was honoured: kept.",
        legal_basis=LEGITIMATE_INTEREST,
        due=rules.old_audit_entries,
        apply=rules.delete_audit_entries,
    ),
    Rule(
        key="admin_history",
        table="Django's admin history (django_admin_log)",
        action=Action.DELETE,
        after_days=365,
        reason="As the audit trail: plan 24.2, 1 year.",
        legal_basis=LEGITIMATE_INTEREST,
        due=rules.old_admin_history,
        apply=rules.delete_admin_history,
    ),
    Rule(
        key="points_expiry_notices",
        table="Points expiry notices (points_pointsexpirynotice) for a day a year past",
        action=Action.DELETE,
        after_days=365,
        reason="Plan silent. A notice for a day long gone can never be sent again; a year "
        "answers 'was I warned?'. The points themselves are in the ledger.",
        legal_basis=LEGITIMATE_INTEREST,
        due=rules.past_expiry_notices,
        apply=rules.delete_expiry_notices,
    ),
    Rule(
        key="refund_runs",
        table="90-day refund job runs (refunds_refundrun)",
        action=Action.DELETE,
        after_days=365,
        reason="Plan silent. Counts only, no personal data; what each eSIM gave back stays on "
        "the eSIM. A year covers a yearly look back.",
        legal_basis=LEGITIMATE_INTEREST,
        due=rules.old_refund_runs,
        apply=rules.delete_refund_runs,
    ),
    Rule(
        key="experiment_views",
        table="Views of price experiments (pricing_experimentview): a visitor id per day shown",
        action=Action.DELETE,
        after_days=30,
        reason="Plan silent. The experiment's figures are kept as daily counts per variant; a "
        "view row only stops a batch stored twice from counting twice, which is a matter of "
        "minutes. A visitor id (a browser's random cookie, an app install's id or an account "
        "id) is an online identifier: kept no longer than that use needs, with a margin.",
        legal_basis=LEGITIMATE_INTEREST,
        due=rules.old_experiment_views,
        apply=rules.delete_experiment_views,
    ),
    Rule(
        key="experiment_assignments",
        table="Visitors' variants in price experiments (pricing_experimentassignment)",
        action=Action.DELETE,
        after_days=90,
        reason="Plan silent. Needed while the experiment prices its visitors; 90 days after it "
        "is completed the figures and conversions are settled (refunds come back within the "
        "eSIM's first weeks) and nobody is priced by them again.",
        legal_basis=LEGITIMATE_INTEREST,
        due=rules.finished_experiment_assignments,
        apply=rules.delete_experiment_assignments,
    ),
    Rule(
        key="sync_runs",
        table="Catalogue sync runs (catalog_syncrun)",
        action=Action.DELETE,
        after_days=90,
        reason="Plan silent. Four runs a day, counts only; cost changes are in the price "
        "history. 90 days show any trend worth seeing.",
        legal_basis=LEGITIMATE_INTEREST,
        due=rules.old_sync_runs,
        apply=rules.delete_sync_runs,
    ),
    Rule(
        key="retention_runs",
        table="Runs of this policy (retention_retentionrun)",
        action=Action.DELETE,
        after_days=365,
        reason="Plan silent. Counts only; a year shows the policy was applied.",
        legal_basis=LEGITIMATE_INTEREST,
        due=rules.old_retention_runs,
        apply=rules.delete_retention_runs,
    ),
    # ------------------------------------------------------------ removed by other jobs
    Rule(
        key="idempotency_keys",
        table="Idempotency-Key answers (orders_idempotencykey)",
        action=Action.ELSEWHERE,
        kept_for="24 hours",
        reason="Job 'Forget expired idempotency keys' (daily 04:43 UTC) deletes them once "
        "expired: stricter than the plan's 7 days.",
        legal_basis=LEGITIMATE_INTEREST,
    ),
    Rule(
        key="auth_tokens",
        table="Refresh tokens and their blacklist (token_blacklist_*)",
        action=Action.ELSEWHERE,
        kept_for="until they expire",
        reason="Job 'Flush expired auth tokens' (daily 03:17 UTC, simplejwt's "
        "flushexpiredtokens) deletes them once expired.",
        legal_basis=LEGITIMATE_INTEREST,
    ),
    # ------------------------------------------------------------ kept
    Rule(
        key="orders",
        table="Orders, their items, eSIM profiles, payment refunds and fulfilment drifts "
        "(orders_order, orders_orderitem, orders_esimprofile, orders_paymentrefund, "
        "orders_fulfilmentdrift)",
        action=Action.KEEP,
        kept_for="7 years",
        reason="Plan 24.2: 7 years for tax and legal. Never deleted or changed by this job "
        "(old guest orders lose only the person, above). No order is 7 years old before "
        "2033; the rule for what follows is to be decided then.",
        legal_basis=LEGAL_OBLIGATION,
    ),
    Rule(
        key="email_logs_with_order",
        table="Email logs (orders_emaillog) of existing orders",
        action=Action.KEEP,
        kept_for="with their order",
        reason="Deviates from the plan's 90 days: each row is what makes an email (delivery, "
        "usage alerts, reminders) go at most once, and 'Resend' reads the address from it. "
        "Its address is anonymised with the order.",
        legal_basis=CONTRACT,
    ),
    Rule(
        key="points_ledger",
        table="Points ledger (points_pointstransaction) and customers' profiles",
        action=Action.KEEP,
        kept_for="the life of the account",
        reason="Deviates from the plan's 1 year: points pay for orders, so the ledger is a "
        "financial record and the proof of every balance (expiry works from its rows). "
        "Deleted with the account on erasure (plan 24.3).",
        legal_basis=LEGAL_OBLIGATION,
    ),
    Rule(
        key="accounts",
        table="Customer accounts (accounts_user, accounts_customerprofile)",
        action=Action.KEEP,
        kept_for="until erased",
        reason="Plan 24.2: deleted on the customer's request (erasure, 24.3). Dormant "
        "accounts are not removed automatically (not decided yet).",
        legal_basis="Contract (art. 6(1)(b)): the account the customer opened",
    ),
    Rule(
        key="first_touches",
        table="Customers' first touch (accounts_firsttouch): campaign and referring site",
        action=Action.KEEP,
        kept_for="until erased",
        reason="Plan silent. Pseudonymous: the email's MD5, never the address, with the "
        "campaign that first brought the person; what acquisition reports count. Deleted with "
        "the account on erasure (24.3), and with a guest's last named order when the guest "
        "contacts rule above anonymises it.",
        legal_basis=LEGITIMATE_INTEREST,
    ),
    Rule(
        key="prices",
        table="Price history, schedules, exchange rates, promo codes and their paid uses, "
        "price experiments with their daily counts and conversions (pricing_*)",
        action=Action.KEEP,
        kept_for="7 years",
        reason="What customers were charged and why (the EU's 30-day lowest price reads "
        "past prices); no personal data but a promo use's email, anonymised with its order, "
        "and an experiment conversion's visitor id (what a price was paid at, kept with the "
        "order it names).",
        legal_basis=LEGAL_OBLIGATION,
    ),
    Rule(
        key="catalogue",
        table="The eSIM catalogue (catalog_esimpackage)",
        action=Action.KEEP,
        kept_for="for good",
        reason="Public data, nobody's personal data; order items refer to their package, so "
        "a discontinued one stays (hidden).",
        legal_basis="None needed: public data",
    ),
    Rule(
        key="analytics",
        table="The reporting layer's summaries (analytics_*)",
        action=Action.KEEP,
        kept_for="as long as what they summarise",
        reason="Derived from the tables above by analytics.refresh and rebuilt from them at "
        "will; no personal data (a guest customer is an MD5 of the address).",
        legal_basis=LEGITIMATE_INTEREST,
    ),
    Rule(
        key="sandbox",
        table="The providers' fakes (sandbox_*)",
        action=Action.KEEP,
        kept_for="not covered",
        reason="Developer tooling, off in production (no provider credentials means the "
        "sandbox, never live data); product code never imports it.",
        legal_basis="None needed: made-up data",
    ),
)

APPLIED_RULES: tuple[Rule, ...] = tuple(rule for rule in POLICY if rule.is_applied)
