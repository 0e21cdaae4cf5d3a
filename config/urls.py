from django.contrib import admin
from django.http import HttpRequest
from django.urls import include, path

from nonrecours.accounts.access import can_use_back_office


def admin_site_has_permission(request: HttpRequest) -> bool:
    return can_use_back_office(request.user)


admin.site.site_header = "nonrecours — administration"
admin.site.site_title = "nonrecours"
admin.site.index_title = "Back-office"
admin.site.has_permission = admin_site_has_permission  # type: ignore[method-assign]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("nonrecours.www.urls")),
]

# The 500 page says whether the error was reported (nonrecours.ops.reporting).
handler500 = "nonrecours.www.errors.server_error"
# A host name not served says so, instead of "form too big" (handler400).
handler400 = "nonrecours.www.errors.bad_request"
