from django.contrib import admin

from consent.models import ConsentEvent
from consent.registration.models import CarrierRegistration, RegistrationStep


@admin.register(ConsentEvent)
class ConsentEventAdmin(admin.ModelAdmin):
    """Read-only: the ledger is evidence. The database refuses changes anyway."""

    list_display = ["occurred_at", "business", "phone_number", "kind", "channel", "source_ref"]
    list_filter = ["kind", "channel"]
    search_fields = ["phone_number", "source_ref", "words", "business__name"]
    raw_id_fields = ["business"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CarrierRegistration)
class CarrierRegistrationAdmin(admin.ModelAdmin):
    """Lasso's operators record a campaign registered by hand in Twilio's console (its status
    is theirs to set; an owner can never mark their own campaign approved)."""

    list_display = ["business", "legal_name", "entity_type", "status", "updated_at"]
    list_filter = ["status", "entity_type", "vertical"]
    search_fields = ["business__name", "legal_name", "dba_name"]
    raw_id_fields = ["business"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(RegistrationStep)
class RegistrationStepAdmin(admin.ModelAdmin):
    """What Lasso asked Twilio for, step by step. Operators may put a step whose answer was
    lost back to "unknown" (it is then looked up in Twilio's records, never simply redone)."""

    list_display = ["business", "key", "state", "twilio_status", "sid", "attempts", "updated_at"]
    list_filter = ["state", "key"]
    search_fields = ["business__name", "sid", "key"]
    raw_id_fields = ["business", "registration"]
    readonly_fields = ["updated_at", "claimed_at", "attempts"]
