from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from tenants.accounts.forms import AdminPasswordChangeForm
from tenants.models import ApiToken, BlockedNumber, Business, Membership, TwilioNumber, User


class TwilioNumberInline(admin.TabularInline):
    model = TwilioNumber
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    # Alert numbers are set and verified by their member, on the Team page.
    readonly_fields = ["mobile_number", "mobile_verified_at"]


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "screening_enabled", "created_at"]
    search_fields = ["name", "slug", "numbers__phone_number", "numbers__forward_to"]
    readonly_fields = ["public_id", "created_at"]
    inlines = [TwilioNumberInline, MembershipInline]


@admin.register(TwilioNumber)
class TwilioNumberAdmin(admin.ModelAdmin):
    list_display = ["phone_number", "business", "mode", "forward_to"]
    list_filter = ["mode"]
    search_fields = ["phone_number", "forward_to", "business__name"]
    raw_id_fields = ["business"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "business", "role", "mobile_number", "mobile_verified_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "business__name", "mobile_number"]
    raw_id_fields = ["user", "business"]
    # Only the member proves a number theirs (tenants.verification); a new number starts over.
    readonly_fields = ["mobile_verified_at"]

    def save_model(self, request, obj: Membership, form, change: bool) -> None:
        if "mobile_number" in form.changed_data:
            obj.mobile_verified_at = None
        super().save_model(request, obj, form, change)


@admin.register(BlockedNumber)
class BlockedNumberAdmin(admin.ModelAdmin):
    list_display = ["phone_number", "business", "note", "created_at"]
    search_fields = ["phone_number", "business__name", "note"]
    raw_id_fields = ["business"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    # Setting someone's password here revokes their API tokens too, as every path does.
    change_password_form = AdminPasswordChangeForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ["groups"]
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Keys are stored only as hashes: an admin can see and revoke tokens, never read one."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "prefix", "user__email"]
    raw_id_fields = ["user"]
    readonly_fields = ["key_hash", "prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False  # tokens are created by their owner, who alone sees the key
