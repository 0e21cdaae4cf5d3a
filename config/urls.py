from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "nonrecours — administration"
admin.site.site_title = "nonrecours"
admin.site.index_title = "Back-office"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("nonrecours.www.urls")),
]
