"""API routes of the library app, mounted at /api/library/."""

from django.urls import path

from library import api

app_name = "library-api"
urlpatterns = [
    path("books/", api.BookListView.as_view(), name="book-list"),
    path("books/<int:pk>/", api.BookDetailView.as_view(), name="book-detail"),
    path("authors/", api.AuthorListView.as_view(), name="author-list"),
    path("categories/", api.CategoryListView.as_view(), name="category-list"),
    path("copies/", api.CopyListView.as_view(), name="copy-list"),
    path("copies/<int:pk>/", api.CopyDetailView.as_view(), name="copy-detail"),
    path("member-categories/", api.MemberCategoryListView.as_view(), name="membercategory-list"),
    path("members/", api.MemberListView.as_view(), name="member-list"),
    path("loans/", api.LoanListView.as_view(), name="loan-list"),
    path("loans/<int:pk>/return/", api.LoanReturnView.as_view(), name="loan-return"),
    path("loans/<int:pk>/renew/", api.LoanRenewView.as_view(), name="loan-renew"),
    path("checkouts/", api.CheckoutView.as_view(), name="checkout"),
    path("holds/", api.HoldListView.as_view(), name="hold-list"),
    path("holds/<int:pk>/cancel/", api.HoldCancelView.as_view(), name="hold-cancel"),
    path("fines/", api.FineListView.as_view(), name="fine-list"),
    path("events/", api.EventListView.as_view(), name="event-list"),
    path("lab/", api.LabView.as_view(), name="lab"),
]
