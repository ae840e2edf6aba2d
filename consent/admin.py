from django.contrib import admin

from consent.models import ConsentEvent


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
