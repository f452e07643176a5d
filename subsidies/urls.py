from django.urls import path

from .views import common, office, review

app_name = "subsidies"

urlpatterns = [
    # The office's my-page and application.
    path("", office.mypage, name="mypage"),
    path("years/<int:fiscal_year>/start/", office.application_start, name="start"),
    path("applications/<int:application_id>/", office.application, name="application"),
    path("applications/<int:application_id>/autosave/", office.application_autosave, name="autosave"),
    # Both the office and the operator.
    path("applications/<int:application_id>/application.pdf", common.application_pdf, name="application_pdf"),
    path("applications/<int:application_id>/decision.pdf", common.decision_pdf, name="decision_pdf"),
    path("receipts/<int:receipt_id>/", common.receipt_file, name="receipt"),
    # The operator.
    path("review/", review.queue, name="review_queue"),
    path("review/totals/", review.totals, name="review_totals"),
    path("review/payments/", review.payments_page, name="review_payments"),
    path("review/master/", review.master, name="review_master"),
    path("review/<int:application_id>/", review.detail, name="review_detail"),
    path(
        "review/<int:application_id>/<str:action>/",
        review.act,
        name="review_act",
    ),
]
