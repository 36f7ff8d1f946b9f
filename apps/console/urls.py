from django.urls import re_path

from .views import console

# /console/ and every client route under it answer the SPA's index.html (the router runs in the browser).
urlpatterns = [re_path(r"^(?:.*)$", console, name="console")]
