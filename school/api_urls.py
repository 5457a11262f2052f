"""API routes of the school app, mounted at /api/school/."""

from django.urls import path

from school import api

app_name = "school-api"
urlpatterns = [
    path("people/", api.PeopleView.as_view(), name="people"),
    path("people/<int:pk>/", api.PersonView.as_view(), name="person"),
    path("people/<int:pk>/reports/", api.PersonReportsView.as_view(), name="person-reports"),
    path("courses/", api.CourseListView.as_view(), name="courses"),
    path("enrollments/", api.EnrollmentCreateView.as_view(), name="enrollments"),
    path("enrollments/<int:pk>/drop/", api.EnrollmentDropView.as_view(), name="enrollment-drop"),
]
