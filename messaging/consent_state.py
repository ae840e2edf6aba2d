"""The conversation's copy of the consent ledger's state.

The rule it keeps: `Conversation.consent_state` is always the kind of the ledger's latest
opt-out, carrier opt-out or opt-in event for the contact's number (latest by `occurred_at`,
then id, exactly as consent.selectors orders them), or None when there is none. It is
written only from here: when a conversation is created (`ledger_state`, evaluated inside
the INSERT, or `state_now` for the missed-call path's hand-written INSERT, under the new
contact's row lock) and by consent.services.record_event in the transaction that appends
an event of one of those kinds (`refresh`). The copy is for the inbox (filters, counts,
badges); "may we text?" is still asked of the ledger itself.
"""

from __future__ import annotations

from django.db.models import Subquery

from consent.models import ConsentEvent
from consent.selectors import STATE_KINDS, ledger_facts
from messaging.models import Conversation
from tenants.models import Business


def ledger_state(*, business: Business, phone_number: str) -> Subquery:
    """The ledger's current state for the number, as an expression the database evaluates
    inside the statement that writes it (no read-then-write window)."""
    return Subquery(
        ConsentEvent.objects.filter(
            business=business, phone_number=str(phone_number), kind__in=STATE_KINDS
        )
        .order_by("-occurred_at", "-id")
        .values("kind")[:1]
    )


def refresh(*, business: Business, phone_number: str) -> None:
    """Rewrite the number's conversation state from the ledger. Called in the transaction
    that appended a state event. The conversation row is locked first, so of two events for
    one number committed at once, the second to take the lock re-reads the ledger after the
    first committed (a single UPDATE would compute the state from its statement's snapshot,
    which may miss the other event)."""
    ids = list(
        Conversation.objects.select_for_update(of=("self",))
        .filter(business=business, contact__phone_number=str(phone_number))
        .values_list("pk", flat=True)
    )
    if ids:
        Conversation.objects.filter(business=business, pk__in=ids).update(
            consent_state=ledger_state(business=business, phone_number=phone_number)
        )


def state_now(*, business_id: int, phone_number: str) -> str | None:
    """The same state as `ledger_state`, read now in one hand-written statement: for the
    missed-call path, which writes a new conversation with a plain INSERT (lasso.rows)."""
    return ledger_facts(business_id=business_id, phone_number=phone_number)[0]
