"""API routes of the delegation app, mounted at /api/delegation/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from delegation import api

app_name = "delegation-api"

router = SimpleRouter()
router.register("permissions", api.PermissionViewSet, basename="permission")
router.register("roles", api.RoleViewSet, basename="role")
router.register("assignments", api.AssignmentViewSet, basename="assignment")
router.register("delegations", api.DelegationViewSet, basename="delegation")
router.register("audit", api.AuditViewSet, basename="audit")

urlpatterns = [
    path("check/", api.CheckView.as_view(), name="check"),
    path("who-can/", api.WhoCanView.as_view(), name="who-can"),
    path("what-can/", api.WhatCanView.as_view(), name="what-can"),
    path("paths/", api.PathsView.as_view(), name="paths"),
    path("org/manager-chain/", api.ManagerChainView.as_view(), name="manager-chain"),
    path("org/reports/", api.ReportsView.as_view(), name="reports"),
    path("org/common-manager/", api.CommonManagerView.as_view(), name="common-manager"),
    path("org/units/", api.UnitTreeView.as_view(), name="unit-tree"),
    *router.urls,
]
