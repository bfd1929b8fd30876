"""Printable documents of a case and the public check of a printed card
(``workflows.printing.views``), included from ``config.urls`` at the site's root:
``/print/cases/<id>/card.pdf``, ``/print/cases/<id>/letter.pdf`` and
``/verify/<token>/`` (kept short: it is the URL in the card's QR code)."""

from django.urls import path

from . import views

app_name = "printing"
urlpatterns = [
    path("print/cases/<int:case_id>/card.pdf", views.card, name="card"),
    path("print/cases/<int:case_id>/letter.pdf", views.letter, name="letter"),
    path("verify/<str:token>/", views.verify, name="verify"),
]
