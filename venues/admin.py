"""Staff manage cinemas and screens here; a screen's layout is validated like the API's (row and seat named)."""
from django.contrib import admin

from venues.models import Cinema, Screen, TicketType


class ScreenInline(admin.TabularInline):
    model = Screen
    extra = 0
    # Screens are added on their own page, where the layout is edited and validated.
    fields = ["name"]
    readonly_fields = ["name"]
    max_num = 0
    can_delete = False
    show_change_link = True


class TicketTypeInline(admin.TabularInline):
    model = TicketType
    extra = 0
    fields = ["code", "name", "names", "min_age", "max_age", "proof_required"]


@admin.register(Cinema)
class CinemaAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "city", "time_zone"]
    list_filter = ["city"]
    search_fields = ["name", "city"]
    inlines = [ScreenInline, TicketTypeInline]


@admin.register(Screen)
class ScreenAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "cinema", "seat_count"]
    list_filter = ["cinema"]
    list_select_related = ["cinema"]
    search_fields = ["name", "cinema__name"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["layout"].help_text = (
            "Rows front to back, seats left to right, null for a gap (docs/api.md, \"Seat layouts\"). Editing the "
            "layout changes only shows created afterwards: each show keeps the seats it was created with.")
        return form
