"""Customers, contacts, service matrices and agents for load data, inserted in bulk with their own ids."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from servicedesk.customers.models import Contact, ContactPhone, Customer, ServiceMatrixItem
from servicedesk.demo.load import texts
from servicedesk.demo.load.writer import Table, Writer

AGENT_PASSWORD = "load-agent"  # one hash for all generated agents: hashing is slow on purpose


@dataclass
class Reporter:
    id: int
    name: str
    may_raise: bool


@dataclass
class Org:
    id: int
    reporters: list[Reporter] = field(default_factory=list)
    items: list[int] = field(default_factory=list)
    city: str = ""


@dataclass
class World:
    """What tickets refer to: customers with the contacts who may report, and the agents."""

    customers: list[Org]
    weights: list[int]  # cumulative, for random.choices
    agents: list[int]
    rows: dict[str, int]


def build_world(*, writer: Writer, rnd: random.Random, customers: int, agents: int, created: int) -> World:
    """Insert the customers (about 5 contacts each, 4-7 services) and the agents; return their ids."""
    stamp = writer.timestamp(created)
    customer_table = Table(
        Customer, ("id", "name", "code", "street", "postal_code", "city", "main_contact_id", "notes", "created_at")
    )
    contact_table = Table(
        Contact,
        (
            "id",
            "customer_id",
            "name",
            "email",
            "language",
            "may_report",
            "may_raise_priority",
            "sees_all_tickets",
            "may_approve_quotes",
            "active",
            "created_at",
        ),
    )
    phone_table = Table(ContactPhone, ("id", "contact_id", "number", "label"))
    item_table = Table(ServiceMatrixItem, ("id", "customer_id", "name", "description", "active", "created_at"))
    customer_id, contact_id = customer_table.next_id(), contact_table.next_id()
    phone_id, item_id = phone_table.next_id(), item_table.next_id()
    customer_rows, contact_rows, phone_rows, item_rows = [], [], [], []
    orgs, weights, total = [], [], 0
    for _ in range(customers):
        city, postcode = rnd.choice(texts.CITIES)
        surname = rnd.choice(texts.LAST_NAMES)
        name = f"{rnd.choice(texts.ORGANISATIONS)} {surname[0].upper()}{surname[1:]}"
        code = f"load-{customer_id}"
        org = Org(customer_id, city=city)
        size = rnd.randint(3, 7)
        main_id = contact_id
        for n in range(size):
            first, last = rnd.choice(texts.FIRST_NAMES), rnd.choice(texts.LAST_NAMES)
            main = n == 0
            may_report = main or rnd.random() < 0.6
            may_raise = main or (may_report and rnd.random() < 0.3)
            language = "en" if rnd.random() < 0.05 else "nl"
            email = f"{first.lower()}.{contact_id}@{code}.example"
            contact_rows.append(
                (
                    contact_id,
                    customer_id,
                    f"{first} {last}",
                    email,
                    language,
                    may_report,
                    may_raise,
                    main,
                    main,
                    True,
                    stamp,
                )
            )
            phone_rows.append((phone_id, contact_id, f"+316{rnd.randrange(10**7, 10**8)}", "mobiel"))
            phone_id += 1
            if may_report:
                org.reporters.append(Reporter(contact_id, f"{first} {last}", may_raise))
            contact_id += 1
        for service in rnd.sample(texts.MATRIX_NAMES, rnd.randint(4, 7)):
            item_rows.append((item_id, customer_id, service, "", True, stamp))
            org.items.append(item_id)
            item_id += 1
        street = f"{rnd.choice(texts.STREETS)} {rnd.randint(1, 250)}"
        postal = (
            f"{postcode}{rnd.randint(10, 99)} {rnd.choice('ABCDEGHJKLMNPRSTVWXZ')}{rnd.choice('ABDEGHJKLNPRSTVXZ')}"
        )
        customer_rows.append((customer_id, name, code, street, postal, city, main_id, "", stamp))
        orgs.append(org)
        total += size
        weights.append(total)
        customer_id += 1
    writer.insert(customer_table, customer_rows)
    writer.insert(contact_table, contact_rows)
    writer.insert(phone_table, phone_rows)
    writer.insert(item_table, item_rows)
    agent_ids = _agents(writer, agents, stamp)
    rows = {
        "customers": len(customer_rows),
        "contacts": len(contact_rows),
        "contact phones": len(phone_rows),
        "service matrix items": len(item_rows),
        "agents": len(agent_ids),
    }
    return World(orgs, weights, agent_ids, rows)


def _agents(writer: Writer, count: int, stamp: str) -> list[int]:
    user_model = get_user_model()
    table = Table(
        user_model,
        (
            "id",
            "password",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_superuser",
            "is_active",
            "date_joined",
        ),
    )
    first_id = table.next_id()
    password = make_password(AGENT_PASSWORD)
    rows = []
    for n in range(count):
        first, last = texts.AGENT_NAMES[n % len(texts.AGENT_NAMES)]
        user_id = first_id + n
        username = f"agent{user_id}"
        rows.append((user_id, password, username, first, last, f"{username}@desk.example", True, False, True, stamp))
    writer.insert(table, rows)
    return [row[0] for row in rows]
