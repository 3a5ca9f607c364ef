"""The home page: where to go next."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from servicedesk.core.policy import current_policy
from servicedesk.policy import Priority, SupportType


def home(request: HttpRequest) -> HttpResponse:
    policy = current_policy()
    levels = [
        {
            "support_type": support_type,
            "cells": [
                {
                    "priority": priority,
                    "offered": priority in policy.offered_priorities(support_type),
                    "response": policy.response_time(support_type, priority),
                    "rate": policy.hourly_rate(support_type, priority),
                }
                for priority in Priority
            ],
        }
        for support_type in SupportType
    ]
    return render(request, "core/home.html", {"levels": levels, "priorities": list(Priority)})
