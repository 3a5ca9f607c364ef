"""A project in a real browser: create it, add a phase and a task, mark the task done."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from servicedesk.projects.models import Project, Task
from tests import factories
from tests.helpers import desk_sign_in as sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_a_project_add_a_task_and_mark_it_done(page: Page, live_server):
    agent = factories.agent("anouk")
    factories.customer("Bakkerij De Korrel")
    sign_in(page, live_server)

    page.get_by_role("link", name="Projecten").click()
    page.get_by_role("link", name="Nieuw project").click()
    page.get_by_label("Klant").select_option(label="Bakkerij De Korrel")
    page.get_by_label("Naam").fill("Migratie naar 365")
    page.get_by_label("Soort").select_option("migration")
    page.get_by_label("Projectleider").select_option(label="anouk")
    page.get_by_role("button", name="Project opslaan").click()
    expect(page.get_by_role("heading", name="Migratie naar 365")).to_be_visible()
    expect(page.locator("#project-status")).to_have_text("Concept")

    page.get_by_text("Een fase toevoegen").click()
    page.get_by_label("Naam").fill("Mailboxen")
    page.get_by_role("button", name="Fase toevoegen").click()
    expect(page.get_by_text("Fase toegevoegd.")).to_be_visible()

    page.get_by_text("Een taak toevoegen").click()
    page.get_by_label("Titel").fill("Mailboxen tellen")
    page.get_by_label("Behandelaar").select_option(label="anouk")
    page.get_by_role("button", name="Taak toevoegen").click()
    expect(page.locator("tr.task")).to_contain_text("Mailboxen tellen")

    page.locator("tr.task").get_by_role("button", name="Afronden").click()
    expect(page.get_by_text("Taak afgerond.")).to_be_visible()
    expect(page.locator("tr.task")).to_contain_text("afgerond")
    expect(page.get_by_text("Taak Mailboxen tellen afgerond.")).to_be_visible()

    task = Task.objects.get()
    assert task.done_by == agent and task.phase.project == Project.objects.get(name="Migratie naar 365")
