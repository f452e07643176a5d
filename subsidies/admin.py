"""Master data in the operator's admin site: a new program year is rows here, not code.

Applications are not registered: they change only through services.py, on the review screens.
"""

from django.contrib import admin
from django.db import models

from .models import Category, ProgramYear, ServiceTypeCategory


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0


class ServiceTypeCategoryInline(admin.TabularInline):
    model = ServiceTypeCategory
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Offer only the categories of the year being edited.
        if db_field.name == "category":
            year_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Category.objects.filter(program_year_id=year_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ProgramYear)
class ProgramYearAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "fiscal_year",
        "window_start",
        "window_end",
        "limit_unit",
        "allow_reapply_after_grant",
    ]
    inlines = [CategoryInline, ServiceTypeCategoryInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
